using BilateralNeuro.Core.Native;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Core;

public class NativeAllocatorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    [InlineData((32 << 20) + 1)]
    public void Thresholds_outside_glibc_limits_are_refused_with_the_range(int bytes)
    {
        var act = () => NativeAllocator.SetMmapThreshold(bytes);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*between 4096 bytes and 32 MiB*");
    }

    [Fact]
    public void A_fixed_threshold_is_accepted_on_linux_and_tensors_still_work()
    {
        bool applied = NativeAllocator.SetMmapThreshold(32 << 20); // glibc's own upper default: harmless to other tests
        if (OperatingSystem.IsLinux()) applied.Should().BeTrue("glibc accepts M_MMAP_THRESHOLD");
        using var t = torch.ones(1024, 1024);
        t.sum().item<float>().Should().Be(1024 * 1024);
    }
}
