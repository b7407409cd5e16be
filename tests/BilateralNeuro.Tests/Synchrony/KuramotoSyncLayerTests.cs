using BilateralNeuro.Core;
using BilateralNeuro.Synchrony;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Synchrony;

public class KuramotoSyncLayerTests
{
    private static KuramotoSyncLayer Layer(int channels, int k, double eps, CouplingPath path, int steps = 3)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(1);
        var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = channels, KernelSize = k, Epsilon = eps, Steps = steps, Coupling = path });
        using (no_grad()) layer.Kernel.copy_(torch.randn(channels, channels, k, k) * 0.3);
        return layer;
    }

    /// <summary>dθ_i = Σ_j K_ij b_j sin(θ_j − θ_i) − ε Σ_all b_j sin(θ_j − θ_i), by explicit loops.</summary>
    private static float[,,,] Direct(float[,,,] k, float[,,] b, float[,,] th, double eps)
    {
        int c = b.GetLength(0), h = b.GetLength(1), w = b.GetLength(2), ks = k.GetLength(2), p = ks / 2;
        var d = new float[1, c, h, w];
        for (int ci = 0; ci < c; ci++)
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            double s = 0;
            for (int cj = 0; cj < c; cj++)
            for (int y2 = 0; y2 < h; y2++)
            for (int x2 = 0; x2 < w; x2++)
            {
                double sn = Math.Sin(th[cj, y2, x2] - th[ci, y, x]) * b[cj, y2, x2];
                int u = y2 - y + p, v = x2 - x + p;
                double kij = u >= 0 && u < ks && v >= 0 && v < ks ? k[ci, cj, u, v] : 0;
                s += kij * sn - eps * sn;
            }
            d[0, ci, y, x] = (float)s;
        }
        return d;
    }

    [Theory]
    [InlineData(CouplingPath.Direct)]
    [InlineData(CouplingPath.Batched)]
    [InlineData(CouplingPath.Fft)]
    [InlineData(CouplingPath.ComplexFft)]
    public void Velocity_matches_the_pairwise_sum_on_a_tiny_grid(CouplingPath path)
    {
        var layer = Layer(2, 3, 0.2, path);
        var amp = torch.rand(1, 2, 5, 6);
        var theta = torch.rand(1, 2, 5, 6) * 6 - 3;
        var b = amp.tanh();
        var got = layer.Velocity(b, theta, layer.Plan(5, 6));
        var kArr = layer.Kernel.detach().data<float>().ToArray();
        var k = new float[2, 2, 3, 3];
        Buffer.BlockCopy(kArr, 0, k, 0, kArr.Length * 4);
        var bArr = new float[2, 5, 6]; Buffer.BlockCopy(b.data<float>().ToArray(), 0, bArr, 0, 60 * 4);
        var tArr = new float[2, 5, 6]; Buffer.BlockCopy(theta.data<float>().ToArray(), 0, tArr, 0, 60 * 4);
        var expected = torch.tensor(Direct(k, bArr, tArr, 0.2).Cast<float>().ToArray()).reshape(1, 2, 5, 6);
        (got - expected).abs().max().item<float>().Should().BeLessThan(1e-4f);
        expected.abs().max().item<float>().Should().BeGreaterThan(0.1f, "the test field is not trivial");
    }

    [Fact]
    public void All_coupling_paths_agree_on_values_and_gradients()
    {
        var input = torch.rand(3, 4, 16, 16);
        var init = torch.rand(3, 4, 16, 16) * 6 - 3;
        Tensor? refOut = null, refGrad = null, refAmpGrad = null;
        foreach (var path in new[] { CouplingPath.Direct, CouplingPath.Batched, CouplingPath.Fft, CouplingPath.ComplexFft })
        {
            var layer = Layer(4, 7, 0.202, path, steps: 4);
            var amp = input.clone().requires_grad_(true);
            var phases = layer.Run(amp, init);
            phases.sin().sum().backward();
            if (refOut is null) { refOut = phases.detach(); refGrad = layer.Kernel.grad!.clone(); refAmpGrad = amp.grad!.clone(); continue; }
            (phases.detach() - refOut).abs().max().item<float>().Should().BeLessThan(1e-3f, $"{path} values");
            (layer.Kernel.grad! - refGrad!).abs().max().item<float>().Should().BeLessThan(1e-2f * (1 + refGrad!.abs().max().item<float>()), $"{path} kernel gradient");
            (amp.grad! - refAmpGrad!).abs().max().item<float>().Should().BeLessThan(1e-3f * (1 + refAmpGrad!.abs().max().item<float>()), $"{path} input gradient");
        }
        refAmpGrad!.abs().max().item<float>().Should().BeGreaterThan(0.01f, "the input gradient is not trivial");
    }

    [Theory]
    [InlineData(9, 7, 12, true, true, CouplingPath.Fft)]      // kernel larger than the map height, non-square map
    [InlineData(13, 16, 10, false, true, CouplingPath.Fft)]   // frozen kernel: only the input gradient
    [InlineData(11, 9, 13, true, false, CouplingPath.Fft)]    // only the kernel is trained (input without gradient)
    [InlineData(9, 7, 12, true, true, CouplingPath.ComplexFft)]
    [InlineData(13, 16, 10, false, true, CouplingPath.ComplexFft)]
    [InlineData(11, 9, 13, true, false, CouplingPath.ComplexFft)]
    [InlineData(13, 32, 32, true, true, CouplingPath.ComplexFft)] // the reference size
    public void Fft_paths_match_direct_on_odd_shapes_and_frozen_kernels(int k, int h, int w, bool learnable, bool inputGrad, CouplingPath path)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(5);
        var kernel = torch.randn(3, 3, k, k) * 0.2;
        var input = torch.rand(3, 3, h, w);   // odd batch: the backward's two halves differ in size
        var init = torch.rand(3, 3, h, w) * 6 - 3;
        (Tensor Phases, Tensor? AmpGrad, Tensor? KernelGrad) Run(CouplingPath path)
        {
            var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = 3, KernelSize = k, Steps = 3, Coupling = path, LearnableKernel = learnable });
            using (no_grad()) layer.Kernel.copy_(kernel);
            var amp = input.clone().requires_grad_(inputGrad);
            var phases = layer.Run(amp, init);
            phases.cos().sum().backward();
            return (phases.detach(), amp.grad, layer.Kernel.grad);
        }
        var direct = Run(CouplingPath.Direct);
        var fft = Run(path);
        (fft.Phases - direct.Phases).abs().max().item<float>().Should().BeLessThan(1e-3f);
        if (inputGrad)
            (fft.AmpGrad! - direct.AmpGrad!).abs().max().item<float>().Should().BeLessThan(1e-3f * (1 + direct.AmpGrad!.abs().max().item<float>()));
        else
            fft.AmpGrad.Should().BeNull("the input was not marked for a gradient");
        if (learnable)
            (fft.KernelGrad! - direct.KernelGrad!).abs().max().item<float>().Should().BeLessThan(1e-3f * (1 + direct.KernelGrad!.abs().max().item<float>()));
        else
            fft.KernelGrad.Should().BeNull("a frozen kernel gets no gradient on any path");
    }

    [Theory]
    [InlineData(CouplingPath.Fft, 0.202)]
    [InlineData(CouplingPath.ComplexFft, 0.202)]
    [InlineData(CouplingPath.ComplexFft, 0.0)]
    public void Velocity_gradients_match_direct_in_phases_amplitudes_and_kernel(CouplingPath path, double eps)
    {
        // Velocity alone (no Euler step): the ComplexFft path runs it as one fused autograd node with a hand-written
        // backward (the Beyond phase-sync block calls Velocity, KomplexNet calls Step).
        var b0 = torch.rand(3, 4, 11, 14);
        var t0 = torch.rand(3, 4, 11, 14) * 6 - 3;
        var weight = torch.randn(3, 4, 11, 14);
        (Tensor V, Tensor Gb, Tensor Gt, Tensor Gk) Run(CouplingPath p)
        {
            var layer = Layer(4, 7, eps, p);
            var b = b0.clone().requires_grad_(true);
            var theta = t0.clone().requires_grad_(true);
            var v = layer.Velocity(b, theta, layer.Plan(11, 14));
            (v * weight).sum().backward();
            return (v.detach(), b.grad!, theta.grad!, layer.Kernel.grad!);
        }
        var direct = Run(CouplingPath.Direct);
        var other = Run(path);
        static float Rel(Tensor a, Tensor r) => (a - r).abs().max().item<float>() / (1 + r.abs().max().item<float>());
        Rel(other.V, direct.V).Should().BeLessThan(1e-4f, "values");
        Rel(other.Gb, direct.Gb).Should().BeLessThan(1e-4f, "amplitude gradient");
        Rel(other.Gt, direct.Gt).Should().BeLessThan(1e-4f, "phase gradient");
        Rel(other.Gk, direct.Gk).Should().BeLessThan(1e-4f, "kernel gradient");
        direct.Gt.abs().max().item<float>().Should().BeGreaterThan(0.1f, "the phase gradient is not trivial");
    }

    [Fact]
    public void Complex_fft_plan_apply_matches_direct_in_values_and_gradients()
    {
        // CouplingPlan.Apply (the coupling terms alone, K ⋆ bc and K ⋆ bs) on the ComplexFft path: its own autograd node.
        var bc0 = torch.randn(3, 4, 10, 13);
        var bs0 = torch.randn(3, 4, 10, 13);
        var w1 = torch.randn(3, 4, 10, 13);
        var w2 = torch.randn(3, 4, 10, 13);
        (Tensor C, Tensor S, Tensor Gc, Tensor Gs, Tensor Gk) Run(CouplingPath p)
        {
            var layer = Layer(4, 9, 0.202, p);
            var bc = bc0.clone().requires_grad_(true);
            var bs = bs0.clone().requires_grad_(true);
            var (c, s) = layer.Plan(10, 13).Apply(bc, bs);
            ((c * w1).sum() + (s * w2).sum()).backward();
            return (c.detach(), s.detach(), bc.grad!, bs.grad!, layer.Kernel.grad!);
        }
        var direct = Run(CouplingPath.Direct);
        var fft = Run(CouplingPath.ComplexFft);
        static float Rel(Tensor a, Tensor r) => (a - r).abs().max().item<float>() / (1 + r.abs().max().item<float>());
        Rel(fft.C, direct.C).Should().BeLessThan(1e-4f);
        Rel(fft.S, direct.S).Should().BeLessThan(1e-4f);
        Rel(fft.Gc, direct.Gc).Should().BeLessThan(1e-4f);
        Rel(fft.Gs, direct.Gs).Should().BeLessThan(1e-4f);
        Rel(fft.Gk, direct.Gk).Should().BeLessThan(1e-4f);
    }

    [Theory]
    [InlineData(CouplingPath.Batched)]
    [InlineData(CouplingPath.Fft)]
    [InlineData(CouplingPath.ComplexFft)]
    public void Paths_agree_with_direct_without_autograd(CouplingPath path)
    {
        // Under no_grad the FFT paths take their plain forward (no custom autograd node).
        var input = torch.rand(3, 4, 20, 17);
        var init = torch.rand(3, 4, 20, 17) * 6 - 3;
        using var _ = no_grad();
        var direct = Layer(4, 13, 0.202, CouplingPath.Direct, steps: 3).Run(input, init);
        var other = Layer(4, 13, 0.202, path, steps: 3).Run(input, init);
        (other - direct).abs().max().item<float>().Should().BeLessThan(1e-3f);
        (direct - init.unsqueeze(1)).abs().max().item<float>().Should().BeGreaterThan(0.01f, "the phases moved");
    }

    private static double Order(Tensor phases) => // Kuramoto order parameter |mean e^{iθ}| averaged over samples
        (phases.cos().mean([1, 2, 3]).square() + phases.sin().mean([1, 2, 3]).square()).sqrt().mean().item<float>();

    [Fact]
    public void Positive_local_coupling_synchronises_a_toy_field()
    {
        var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = 1, KernelSize = 5, Epsilon = 0, StepSize = 0.05, Steps = 40, KernelInitStd = 3 });
        torch.manual_seed(3);
        var amp = torch.ones(2, 1, 8, 8) * 2;
        var init = torch.rand(2, 1, 8, 8) * 2 - 1; // spread over ±1 rad
        using var _ = no_grad();
        var phases = layer.Run(amp, init);
        Order(phases.select(1, 39)).Should().BeGreaterThan(Order(init) + 0.05);
        Order(phases.select(1, 39)).Should().BeGreaterThan(0.97);
    }

    [Fact]
    public void Global_epsilon_desynchronises_a_toy_field()
    {
        var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = 1, KernelSize = 1, Epsilon = 0.2, StepSize = 0.02, Steps = 30 });
        using (no_grad()) layer.Kernel.zero_();
        torch.manual_seed(4);
        var amp = torch.ones(2, 1, 8, 8) * 2;
        var init = torch.rand(2, 1, 8, 8) * 1 - 0.5; // nearly synchronous start
        using var _ = no_grad();
        var phases = layer.Run(amp, init);
        Order(phases.select(1, 29)).Should().BeLessThan(Order(init) - 0.2);
    }

    [Fact]
    public void Gradients_reach_the_kernel_and_the_input()
    {
        var layer = Layer(2, 5, 0.202, CouplingPath.Auto, steps: 3);
        var amp = torch.rand(2, 2, 8, 8).requires_grad_(true);
        var phases = layer.Run(amp);
        phases.select(1, 2).cos().sum().backward();
        layer.Kernel.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
        amp.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Invalid_options_are_all_listed()
    {
        var act = () => new KuramotoSyncLayer(new KuramotoOptions { KernelSize = 4, Steps = 0, StepSize = -1 });
        var ex = act.Should().Throw<OptionsValidationException>().Which;
        ex.Failures.Should().HaveCount(3);
    }

    [Fact]
    public void Auto_picks_fft_for_kernels_of_9_and_more()
    {
        // Measured (C = 8, forward + backward): FFT faster from k = 9, slower or even at k <= 7.
        KuramotoSyncLayer.ChoosePath(8, 31, 96, 96).Should().Be(CouplingPath.ComplexFft);
        KuramotoSyncLayer.ChoosePath(8, 13, 32, 32).Should().Be(CouplingPath.ComplexFft);
        KuramotoSyncLayer.ChoosePath(8, 9, 28, 28).Should().Be(CouplingPath.ComplexFft);
        KuramotoSyncLayer.ChoosePath(8, 7, 32, 32).Should().Be(CouplingPath.Batched);
        KuramotoSyncLayer.ChoosePath(8, 5, 28, 28).Should().Be(CouplingPath.Batched);
        KuramotoSyncLayer.ChoosePath(8, 3, 32, 32).Should().Be(CouplingPath.Batched);
    }
}
