using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using BilateralNeuro.Synchrony;

namespace BilateralNeuro.Tests.Synchrony;

public class TrainerCompatibilityTests
{
    [Fact]
    public void Shared_trainer_trains_komplexnet_on_a_multilabel_head()
    {
        TorchRuntime.EnsureLoaded();
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try { Train(); } finally { torch.set_num_threads(threads); }
    }

    private static void Train()
    {
        torch.manual_seed(0);
        using var digits = MultiObjectComposer.SyntheticDigits(6, seed: 1);
        using var set = MultiObjectComposer.Compose(digits, 48, new MultiObjectOptions(), seed: 2);
        using var images = set.ToLabeledImages();
        var net = SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(3).Steps(2)).Build();
        var heads = new[] { new HeadSpec("labels", "labels", Loss: HeadLoss.MultiLabel) };
        var source = new BatchSource(images, 16, seed: 1);
        var eval = new BatchSource(images, 48, shuffle: false);
        double before = Trainer.Evaluate(net, eval, heads)["labels/loss"];
        var result = new Trainer(new TrainerOptions { Epochs = 3, LearningRate = 1e-2, GradientClipNorm = 2 }).Fit(net, source, null, heads);
        double after = Trainer.Evaluate(net, eval, heads)["labels/loss"];
        result.History.Should().HaveCount(3);
        after.Should().BeLessThan(before);
    }
}
