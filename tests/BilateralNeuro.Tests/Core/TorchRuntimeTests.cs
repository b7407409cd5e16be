using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Core;

public class TorchRuntimeTests
{
    [Fact]
    public void Native_backend_loads_and_computes_complex_conv_with_autograd()
    {
        TorchRuntime.EnsureLoaded();
        var x = torch.randn(1, 2, 8, 8, dtype: torch.complex64, requires_grad: true);
        var w = torch.randn(3, 2, 3, 3, dtype: torch.complex64, requires_grad: true);
        var y = torch.nn.functional.conv2d(x, w, padding: [1, 1]);
        y.abs().sum().backward();
        y.shape.Should().Equal(1, 3, 8, 8);
        w.grad.Should().NotBeNull();
        w.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Loading_switches_background_gc_off_unless_the_environment_chose()
    {
        TorchRuntime.EnsureLoaded();
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_gcConcurrent")))
        {
            TorchRuntime.GcStatus.Should().Contain("from the environment");
            return;
        }
        // TorchSharp's implicit Scalars are freed in finalizers; a background collection during a LibTorch call freed them in use.
        System.Runtime.GCSettings.LatencyMode.Should().Be(System.Runtime.GCLatencyMode.Batch);
        TorchRuntime.GcStatus.Should().Contain("background GC");
    }
}
