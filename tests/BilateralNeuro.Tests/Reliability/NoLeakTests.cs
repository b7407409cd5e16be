using BilateralNeuro.Bilateral;
using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using BilateralNeuro.Attention;
using BilateralNeuro.Synchrony;

namespace BilateralNeuro.Tests.Reliability;

/// <summary>
/// 200 training steps of each paper's model through the shared Trainer (4 epochs of 50 steps): TorchSharp's
/// dispose-scope statistics must show the same number of live tensors after every epoch from the second on.
/// </summary>
public class NoLeakTests
{
    private static LabeledImages Images(int n, int channels, int size, int classes, bool multiLabel)
    {
        var gen = new Generator(5);
        var images = torch.randint(0, 256, [n, channels, size, size], generator: gen, dtype: ScalarType.Byte);
        var fine = torch.randint(0, classes, [n], generator: gen, dtype: ScalarType.Int64);
        var labels = new Dictionary<string, Tensor> { ["fine"] = fine, ["coarse"] = fine.remainder(2) };
        if (multiLabel)
        {
            var second = (fine + 1).remainder(classes);
            labels["labels"] = nn.functional.one_hot(fine, classes).add(nn.functional.one_hot(second, classes)).to(ScalarType.Float32);
        }
        return new LabeledImages("leak", images, labels);
    }

    private static List<long> LiveCounts(nn.Module<Tensor, Dictionary<string, Tensor>> model, LabeledImages data, HeadSpec[] heads)
    {
        var live = new List<long>();
        var progress = new Sync(p => { if (p.EpochEnd is not null) live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount); });
        new Trainer(new TrainerOptions { Epochs = 4, LearningRate = 1e-3, ProgressEvery = 1000 })
            .Fit(model, new BatchSource(data, 2, seed: 1), null, heads, progress);   // 4 epochs x 50 steps
        return live;
    }

    private static void AssertFlat(List<long> live)
    {
        live.Should().HaveCount(4);
        live.Skip(1).Should().AllSatisfy(n => n.Should().Be(live[1]), "live tensors must not grow over 200 steps");
    }

    [Fact]
    public void Bilateral_network_200_steps_leak_nothing()
    {
        using var net = BilateralNetwork.Create()
            .Left(h => h.ResNet9().Width(0.125).InputChannels(1)).Right(h => h.ResNet9().Width(0.125).InputChannels(1))
            .Heads(fine: 4, coarse: 2).Build();
        AssertFlat(LiveCounts(net, Images(100, 1, 12, 4, false), [HeadSpec.Classification("fine"), HeadSpec.Classification("coarse")]));
    }

    [Fact]
    public void KomplexNet_200_steps_leak_nothing()
    {
        using var net = SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(3).Steps(2)).Build();
        AssertFlat(LiveCounts(net, Images(100, 1, 32, 10, true), [new HeadSpec("labels", "labels", Loss: HeadLoss.MultiLabel)]));
    }

    [Fact]
    public void Lattice_network_200_steps_leak_nothing()
    {
        using var net = LatticeNetwork.Create().InputChannels(1).Classes(4).MaxLayers(2).MaxChannels(6).MaxSteps(3).Build();
        AssertFlat(LiveCounts(net, Images(100, 1, 12, 4, false), [new HeadSpec(LatticeOutputs.Label, "fine")]));
    }

    [Fact]
    public void FE_AlexNet_200_steps_leak_nothing()
    {
        using var net = TransferModels.AlexNet().Width(0.125).Classes(2).WithFaceAttention(a => a.Reduction(16).Before("fc6")).Build();
        AssertFlat(LiveCounts(net, Images(100, 3, 64, 2, false), [new HeadSpec("valence", "coarse")]));
    }

    private sealed class Sync(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
