using BilateralNeuro.Core;
using BilateralNeuro.Synchrony;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Synchrony;

public class KuramotoRegimeTests
{
    [Fact]
    public void Reference_defaults_give_the_issues_numbers()
    {
        var r = KuramotoRegime.Of(new KuramotoOptions(), 32, 32);
        // Issue 16: Σ K ≈ 1,295 at k = 13 with the near-flat init; ε·C·H·W ≈ 1,655 at 8×32×32; ratio ≈ 0.78; reach 90 px; η·T·Σ K ≈ 117.
        r.LocalCoupling.Should().BeApproximately(1295, 5);
        r.GlobalCoupling.Should().BeApproximately(0.202 * 8 * 32 * 32, 1e-9);
        r.LocalGlobalRatio.Should().BeApproximately(0.78, 0.01);
        r.Reach.Should().Be(90);
        r.ReachPerSide.Should().BeApproximately(90.0 / 32, 1e-12);
        r.IntegratedLocalCoupling.Should().BeApproximately(117, 1);
        r.IsReferenceRegime.Should().BeTrue();
        r.Warning.Should().BeNull();
        r.Should().Be(KuramotoRegime.Reference);
    }

    [Fact]
    public void Quick_preset_t3_k5_leaves_the_regime_on_every_quantity()
    {
        var r = KuramotoRegime.Of(new KuramotoOptions { Steps = 3, KernelSize = 5 }, 32, 32);
        r.LocalCoupling.Should().BeApproximately(189, 2);
        r.LocalGlobalRatio.Should().BeApproximately(0.11, 0.01);
        r.Reach.Should().Be(6);
        r.IntegratedLocalCoupling.Should().BeApproximately(3.4, 0.05);
        r.IsReferenceRegime.Should().BeFalse();
        r.Departures().Should().HaveCount(3);
        r.Warning.Should().Contain("local/global coupling ratio 0.114").And.Contain("reach T·⌊k/2⌋ = 6 px").And.Contain("η·T·Σ K = 3.41")
            .And.Contain("T = 15, k = 13");
    }

    [Theory]
    [InlineData(15, 13, 32, true)]
    [InlineData(15, 11, 32, true)]   // Σ K ≈ 930, ratio 0.56, reach 75 px: inside the factor-2 band
    [InlineData(15, 7, 32, false)]   // ratio 0.23
    [InlineData(3, 13, 32, false)]   // reach 18 px = 0.56 sides, η·T·Σ K 23
    [InlineData(15, 13, 64, false)]  // 4× the global repulsion: ratio 0.20
    public void Regime_check_follows_the_tolerance(int steps, int kernel, int side, bool inside)
    {
        var r = KuramotoRegime.Of(new KuramotoOptions { Steps = steps, KernelSize = kernel }, side, side);
        r.IsReferenceRegime.Should().Be(inside, r.Describe());
        (r.Warning is null).Should().Be(inside);
    }

    [Fact]
    public void A_smaller_scene_stays_in_the_regime_when_epsilon_keeps_the_global_coupling()
    {
        // 16×16 maps quarter ε·C·H·W (ratio 3.1: outside); ε × 4 restores the reference ratio, reach and integrated coupling.
        KuramotoRegime.Of(new KuramotoOptions(), 16, 16).LocalGlobalRatio.Should().BeApproximately(3.13, 0.01);
        KuramotoRegime.Of(new KuramotoOptions(), 16, 16).IsReferenceRegime.Should().BeFalse();
        var shrunk = KuramotoRegime.Of(new KuramotoOptions { Epsilon = 0.202 * 4 }, 16, 16);
        shrunk.LocalGlobalRatio.Should().BeApproximately(KuramotoRegime.Reference.LocalGlobalRatio, 1e-9);
        shrunk.IsReferenceRegime.Should().BeTrue(shrunk.Describe());
    }

    [Fact]
    public void A_layers_kernel_gives_the_same_numbers_at_init_and_scales_with_a_trained_kernel()
    {
        TorchRuntime.EnsureLoaded();
        var layer = new KuramotoSyncLayer(new KuramotoOptions());
        var atInit = KuramotoRegime.Of(layer, 32, 32);
        atInit.LocalCoupling.Should().BeApproximately(KuramotoRegime.Reference.LocalCoupling, 0.05);
        using (no_grad()) layer.Kernel.mul_(3);
        var scaled = KuramotoRegime.Of(layer, 32, 32);
        scaled.LocalGlobalRatio.Should().BeApproximately(3 * atInit.LocalGlobalRatio, 1e-3);
        scaled.IsReferenceRegime.Should().BeFalse("3× the local coupling is outside the factor-2 band");
    }

    [Fact]
    public void Bad_input_is_named()
    {
        TorchRuntime.EnsureLoaded();
        var wrong = () => KuramotoRegime.Of(new KuramotoOptions(), torch.zeros(8, 8, 5, 5), 32, 32);
        wrong.Should().Throw<ArgumentException>().WithMessage("*expected a kernel of shape [8, 8, 13, 13]*got [8, 8, 5, 5]*");
        var map = () => KuramotoRegime.Of(new KuramotoOptions(), 0, 32);
        map.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*height*");
        var eps0 = KuramotoRegime.Of(new KuramotoOptions { Epsilon = 0 }, 32, 32);
        eps0.LocalGlobalRatio.Should().Be(double.PositiveInfinity);
        eps0.IsReferenceRegime.Should().BeFalse();
    }

    [Fact]
    public void Building_with_a_logger_logs_the_regime_and_warns_outside_it()
    {
        TorchRuntime.EnsureLoaded();
        var log = new ListLogger();
        SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(5).Steps(3)).Build(log);
        log.Lines.Should().Contain(l => l.Level == LogLevel.Information && l.Text.Contains("ratio 0.11"));
        log.Lines.Should().ContainSingle(l => l.Level == LogLevel.Warning).Which.Text.Should().Contain("leaves the regime");
        var quiet = new ListLogger();
        SynchronyModels.KomplexNet().Build(quiet);
        quiet.Lines.Should().NotContain(l => l.Level == LogLevel.Warning);
        quiet.Lines.Should().Contain(l => l.Text.Contains("inside the reference regime"));
        var none = new ListLogger();
        SynchronyModels.KomplexNet().RandomPhases().Build(none);
        none.Lines.Should().BeEmpty("random phases have no oscillators");
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
