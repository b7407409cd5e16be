using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Core;

public class DeviceSelectorTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("auto")]
    [InlineData("CPU")]
    [InlineData(" cpu ")]
    public void Cpu_and_auto_without_cuda_give_the_cpu(string? spec) =>
        DeviceSelector.Parse(spec, cudaAvailable: () => false).type.Should().Be(DeviceType.CPU);

    [Fact]
    public void Auto_prefers_cuda_when_available() =>
        DeviceSelector.Parse("auto", () => true, () => 1).type.Should().Be(DeviceType.CUDA);

    [Fact]
    public void Cuda_index_is_parsed() =>
        DeviceSelector.Parse("cuda:1", () => true, () => 2).index.Should().Be(1);

    [Fact]
    public void Cuda_without_a_gpu_is_a_clear_error_naming_the_package()
    {
        var act = () => DeviceSelector.Parse("cuda", () => false);
        act.Should().Throw<InvalidOperationException>().WithMessage("*CUDA is not available*libtorch-cuda*");
    }

    [Fact]
    public void Cuda_index_out_of_range_is_refused()
    {
        var act = () => DeviceSelector.Parse("cuda:3", () => true, () => 1);
        act.Should().Throw<InvalidOperationException>().WithMessage("*1 CUDA device*");
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void Unknown_text_is_refused(string spec)
    {
        var act = () => DeviceSelector.Parse(spec, () => false);
        act.Should().Throw<ArgumentException>().WithMessage("*expected*");
    }

    [Fact]
    public void Real_probe_on_this_machine_answers_cpu_for_auto() =>
        DeviceSelector.Parse("auto").type.Should().Be(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU);
}
