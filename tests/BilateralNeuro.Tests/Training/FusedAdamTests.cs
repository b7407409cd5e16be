using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Training;

/// <summary><see cref="FusedAdam"/> against TorchSharp's <see cref="Adam"/>: the same bits, the same state format.</summary>
public sealed class FusedAdamTests
{
    // Sizes around LibTorch's vector body (2 × 8 floats per iteration with AVX2 kernels) and scalar tail, plus sizes
    // above its 32,768-element grain, where two threads split the tensor.
    private static readonly long[][] Shapes = [[1], [2], [7], [15], [16], [17], [33], [5, 20], [257], [64, 1000], [70_001]];

    private static bool Bits(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.bytes.SequenceEqual(b.bytes);

    private static (List<Parameter> Reference, List<Parameter> Fused) TwinParameters(int seed)
    {
        torch.manual_seed(seed);
        var reference = Shapes.Select(s => new Parameter(torch.randn(s))).ToList();
        var fused = reference.Select(p => new Parameter(p.detach().clone())).ToList();
        return (reference, fused);
    }

    private static void SetGradients(IReadOnlyList<Parameter> a, IReadOnlyList<Parameter> b, int step)
    {
        torch.manual_seed(1000 + step);
        for (int i = 0; i < a.Count; i++)
        {
            // Mixed magnitudes, exact zeros and a few huge values: every rounding path of the update gets exercised.
            var g = torch.randn(a[i].shape) * torch.pow(10, torch.randint(-6, 3, a[i].shape).to(ScalarType.Float32));
            g = torch.where(torch.rand(a[i].shape) < 0.05, torch.zeros_like(g), g);
            a[i].grad = g.clone();
            b[i].grad = g.clone();
        }
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(1e-2, 1)]
    [InlineData(0.0, 2)]
    [InlineData(5e-4, 2)]
    public void Updates_are_bit_for_bit_those_of_TorchSharps_Adam(double weightDecay, int threads)
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
            FusedAdam.IsAvailable.Should().BeTrue("x86-64 LibTorch exports MKL's vmsSqrt and the CPUs this runs on have FMA");
        var (refParams, fusedParams) = TwinParameters(7);
            using var reference = optim.Adam(refParams, 3e-3, weight_decay: weightDecay);
            using var fused = FusedAdam.Create(fusedParams, 3e-3, weight_decay: weightDecay);
            for (int step = 0; step < 40; step++)
            {
                if (step == 20)   // a schedule changes the rate between steps
                {
                    foreach (var g in reference.ParamGroups) g.LearningRate = 7e-4;
                    foreach (var g in fused.ParamGroups) g.LearningRate = 7e-4;
                }
                SetGradients(refParams, fusedParams, step);
                reference.step();
                fused.step();
            }
            FusedAdam.FusedUpdates(fused).Should().Be(40L * Shapes.Length, "every update went through the fused pass");
            for (int i = 0; i < refParams.Count; i++)
            {
                var diff = (refParams[i] - fusedParams[i]).abs().max().item<float>();
                Bits(refParams[i], fusedParams[i]).Should().BeTrue($"parameter {i} [{string.Join(", ", Shapes[i])}] must equal Adam's bit for bit (max |diff| {diff:G3})");
            }
            var refState = reference.state_dict();
            var fusedState = fused.state_dict();
            for (int i = 0; i < refParams.Count; i++)
            {
                var r = (Adam.State)refState.State[i];
                var f = (Adam.State)fusedState.State[i];
                f.step.Should().Be(r.step);
                Bits(r.exp_avg, f.exp_avg).Should().BeTrue($"exp_avg {i}");
                Bits(r.exp_avg_sq, f.exp_avg_sq).Should().BeTrue($"exp_avg_sq {i}");
            }
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void State_saved_by_either_optimiser_resumes_in_the_other()
    {
        var (refParams, fusedParams) = TwinParameters(11);
        using (var warm = FusedAdam.Create(fusedParams, 1e-2))
        using (var warmRef = optim.Adam(refParams, 1e-2))
        {
            for (int step = 0; step < 5; step++)
            {
                SetGradients(refParams, fusedParams, step);
                warm.step();
                warmRef.step();
            }
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) warm.save_state_dict(w);
            ms.Position = 0;
            using var ms2 = new MemoryStream();
            using (var w = new BinaryWriter(ms2, System.Text.Encoding.UTF8, leaveOpen: true)) warmRef.save_state_dict(w);
            ms2.Position = 0;
            // The fused optimiser's state, loaded into TorchSharp's Adam, and Adam's, loaded into a fused one, both continue
            // exactly like the Adam that ran all along.
            var continued = refParams.Select(p => new Parameter(p.detach().clone())).ToList();
            var continuedFused = refParams.Select(p => new Parameter(p.detach().clone())).ToList();
            using var resumed = optim.Adam(continued, 1e-2);
            using var resumedFused = FusedAdam.Create(continuedFused, 1e-2);
            using (var r = new BinaryReader(ms)) resumed.load_state_dict(r);
            using (var r = new BinaryReader(ms2)) resumedFused.load_state_dict(r);
            for (int step = 5; step < 10; step++)
            {
                SetGradients(refParams, continued, step);
                SetGradients(refParams, continuedFused, step);
                warmRef.step();
                resumed.step();
                resumedFused.step();
            }
            for (int i = 0; i < refParams.Count; i++)
            {
                Bits(refParams[i], continued[i]).Should().BeTrue($"parameter {i} (fused state into Adam)");
                Bits(refParams[i], continuedFused[i]).Should().BeTrue($"parameter {i} (Adam state into the fused optimiser)");
            }
        }
    }

    [Fact]
    public void Options_it_does_not_fuse_fall_back_to_Adam_itself()
    {
        torch.manual_seed(3);
        var a = new Parameter(torch.randn(40, dtype: ScalarType.Float64));
        var b = new Parameter(a.detach().clone());
        using var reference = optim.Adam([a], 1e-2);
        using var fused = FusedAdam.Create([b], 1e-2);
        for (int step = 0; step < 3; step++)
        {
            var g = torch.randn(40, dtype: ScalarType.Float64);
            a.grad = g.clone();
            b.grad = g.clone();
            reference.step();
            fused.step();
        }
        FusedAdam.FusedUpdates(fused).Should().Be(0, "float64 parameters are not fused");
        Bits(a, b).Should().BeTrue();

        // A closure computes the gradients inside the step, after the fused pass could check them: Adam's own step.
        var c = new Parameter(torch.randn(40));
        var d = new Parameter(c.detach().clone());
        using var referenceC = optim.Adam([c], 1e-2);
        using var fusedC = FusedAdam.Create([d], 1e-2);
        var target = torch.randn(40);
        referenceC.step(() => { referenceC.zero_grad(); var l = (c - target).pow(2).sum(); l.backward(); return l; });
        fusedC.step(() => { fusedC.zero_grad(); var l = (d - target).pow(2).sum(); l.backward(); return l; });
        FusedAdam.FusedUpdates(fusedC).Should().Be(0, "a step with a closure is Adam's");
        Bits(c, d).Should().BeTrue();
    }
}
