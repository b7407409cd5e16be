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

    [Fact]
    public void Retaining_freed_memory_refuses_bad_thresholds_and_keeps_tensors_working()
    {
        var tooLarge = () => NativeAllocator.RetainFreedMemory((32 << 20) + 1);
        tooLarge.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*between 4096 bytes and 32 MiB*");
        var trimBelow = () => NativeAllocator.RetainFreedMemory(1 << 20, 1 << 19);
        trimBelow.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*trim threshold of at least*");
        // 32 MiB both: close to glibc's own upper defaults, so the rest of the test process (memory pins) is hardly affected
        bool applied = NativeAllocator.RetainFreedMemory(32 << 20, 32 << 20);
        if (OperatingSystem.IsLinux()) applied.Should().BeTrue("glibc accepts M_MMAP_THRESHOLD and M_TRIM_THRESHOLD");
        using var t = torch.ones(2048, 2048); // 16 MiB: now from the heap
        t.sum().item<float>().Should().Be(2048 * 2048);
    }
}
