using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Synchrony.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Synchrony;

public class KernelFirstTests
{
    private static Dictionary<string, Tensor> Snapshot(nn.Module net) =>
        net.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static string KernelName(KomplexNet net) => net.named_parameters().Single(p => p.parameter.Handle == net.Oscillators!.Kernel.Handle).name;

    private static KomplexNet NewNet()
    {
        torch.manual_seed(0);
        return new KomplexNet(new KomplexNetOptions { Kuramoto = new KuramotoOptions { KernelSize = 3, Steps = 2 } });
    }

    private static void WithOneThread(Action body)
    {
        TorchRuntime.EnsureLoaded();
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try { body(); }
        finally { torch.set_num_threads(threads); }
    }

    [Fact]
    public void Kernel_stage_trains_only_the_kuramoto_kernel_on_the_synchrony_loss() => WithOneThread(() =>
    {
        using var digits = MultiObjectComposer.SyntheticDigits(4, seed: 1);
        using var set = MultiObjectComposer.Compose(digits, 24, new MultiObjectOptions(), seed: 2);
        using var net = NewNet();
        var before = Snapshot(net);
        var stage = SynchronyTraining.FitKernel(net, set, set, new SynchronyTrainingOptions { KernelFirstEpochs = 2, BatchSize = 8, LearningRate = 1e-2 });

        stage.OptimizerSteps.Should().Be(6);
        stage.SynchronyLossPerEpoch.Should().HaveCount(2).And.OnlyContain(v => double.IsFinite(v));
        var after = Snapshot(net);
        string kernelName = KernelName(net);
        Same(before[kernelName], after[kernelName]).Should().BeFalse("the kernel is what stage 1 trains");
        foreach (var name in before.Keys.Where(k => k != kernelName))
            Same(before[name], after[name]).Should().BeTrue($"'{name}' is frozen in the kernel stage");
        net.parameters().Should().OnlyContain(p => p.requires_grad, "stage 1 restores requires_grad on the frozen parameters");
    });

    [Fact]
    public void Kernel_first_fit_freezes_the_kernel_while_the_classifier_trains() => WithOneThread(() =>
    {
        using var digits = MultiObjectComposer.SyntheticDigits(4, seed: 1);
        using var set = MultiObjectComposer.Compose(digits, 24, new MultiObjectOptions(), seed: 2);
        var options = new SynchronyTrainingOptions { KernelFirstEpochs = 1, Epochs = 2, BatchSize = 8, LearningRate = 1e-2 };

        // The same initialisation trained by stage 1 alone gives the kernel stage 2 must keep.
        using var stageOnly = NewNet();
        SynchronyTraining.FitKernel(stageOnly, set, set, options);
        var afterStage1 = Snapshot(stageOnly);

        using var net = NewNet();
        var initial = Snapshot(net);
        var fit = SynchronyTraining.Fit(net, set, set, options);
        var after = Snapshot(net);

        fit.KernelSteps.Should().Be(3);
        fit.OptimizerSteps.Should().Be(3 + 6);
        double.IsFinite(fit.KernelSynchronyLoss).Should().BeTrue();
        string kernelName = KernelName(net);
        Same(initial[kernelName], afterStage1[kernelName]).Should().BeFalse("stage 1 moved the kernel");
        torch.allclose(after[kernelName], afterStage1[kernelName], rtol: 0, atol: 1e-6).Should().BeTrue("stage 2 leaves the stage-1 kernel unchanged");
        initial.Keys.Where(k => k != kernelName).Count(k => !Same(initial[k], after[k])).Should().BeGreaterThan(0, "stage 2 trains the classifier");
        net.parameters().Should().OnlyContain(p => p.requires_grad, "the kernel is unfrozen again after the fit");
    });

    [Fact]
    public void Kernel_first_needs_kuramoto_oscillators()
    {
        TorchRuntime.EnsureLoaded();
        using var digits = MultiObjectComposer.SyntheticDigits(4, seed: 1);
        using var set = MultiObjectComposer.Compose(digits, 8, new MultiObjectOptions(), seed: 2);
        using var net = SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(3).Steps(2)).RandomPhases().Build();
        var act = () => SynchronyTraining.Fit(net, set, set, new SynchronyTrainingOptions { KernelFirstEpochs = 1, Epochs = 1, BatchSize = 8 });
        act.Should().Throw<ArgumentException>().WithMessage("*KernelFirstEpochs*Kuramoto oscillators*");
    }
}
