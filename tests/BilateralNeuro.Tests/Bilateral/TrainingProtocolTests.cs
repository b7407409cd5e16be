using BilateralNeuro.Analysis;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Tests.Bilateral;

/// <summary>The clean and original protocols differ exactly where docs/bilateral.md says they do.</summary>
public class TrainingProtocolTests
{
    private static BilateralTrainingOptions Tiny() => new()
    {
        Stage1 = new() { Epochs = 1, LearningRate = 3e-3, WeightDecay = 1e-4, BatchSize = 32 },
        Stage2 = new() { Epochs = 2, LearningRate = 1e-2, WeightDecay = 0, BatchSize = 32 },
        Stage3 = new() { Epochs = 0 },
        EndToEnd = new() { Epochs = 1, LearningRate = 3e-3, WeightDecay = 1e-3, BatchSize = 32 },
        Augmentation = Augmentation.None,
        Normalization = Normalization.None(1),
        Seed = 1,
    };

    private static BilateralNetwork Network() => BilateralNetwork.Create()
        .Left(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Fine))
        .Right(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Coarse))
        .Heads(fine: 6, coarse: 3, dropout: 0.2).Build();

    private static Dictionary<string, torch.Tensor> NormStats(Hemisphere h) => h.named_buffers()
        .Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal) || b.name.EndsWith("running_var", StringComparison.Ordinal))
        .ToDictionary(b => b.name, b => b.buffer.clone());

    private static bool Same(Dictionary<string, torch.Tensor> a, Dictionary<string, torch.Tensor> b) =>
        a.Keys.All(k => a[k].allclose(b[k], rtol: 0, atol: 0));

    [Fact]
    public void Original_settings_differ_from_clean_exactly_as_documented()
    {
        var clean = BilateralTrainingOptions.Paper().ForProtocol(TrainingProtocol.Clean);
        var original = BilateralTrainingOptions.Paper().ForProtocol(TrainingProtocol.Original);
        (clean.EndToEnd.WeightDecay, original.EndToEnd.WeightDecay).Should().Be((1e-3, 1e-5), "baselines: wd 1e-5 in config_unilateral_nspecialized.yaml:32");
        (clean.Stage1.WeightDecay, original.Stage1.WeightDecay).Should().Be((1e-3, 1e-3), "stage 1 is 1e-3 in both");
        (clean.CacheFeatures, original.CacheFeatures).Should().Be((true, false));
        (clean.FrozenNormTraining, original.FrozenNormTraining).Should().Be((false, true));
        clean.Stage2.SelectionMetric.Should().BeNull("clean selects on the first head, fine accuracy");
        original.Stage2.SelectionMetric.Should().Be("fine/accuracy+coarse/accuracy");
        original.EndToEnd.SelectionMetric.Should().Be("fine/accuracy+coarse/accuracy");
        original.Stage1.SelectionMetric.Should().BeNull("stage 1 has one head");
        new[] { original.Stage1, original.Stage2, original.Stage3, original.EndToEnd }.Should().OnlyContain(s => s.ValidateEvery == 2, "check_val_every_n_epoch: 2 in every original config");
        new[] { clean.Stage1, clean.Stage2, clean.Stage3, clean.EndToEnd }.Should().OnlyContain(s => s.ValidateEvery == 1);
        TrainingProtocol.Original.Combine(EnsembleCombine.Probabilities).Should().Be(EnsembleCombine.Logits);
        TrainingProtocol.Clean.Combine(EnsembleCombine.Probabilities).Should().Be(EnsembleCombine.Probabilities);
        (TrainingProtocol.Clean.BatchNormMomentum(), TrainingProtocol.Original.BatchNormMomentum()).Should().Be((0.1, 0.9));
        BilateralTrainingOptions.Paper().EndToEnd.WeightDecay.Should().Be(1e-3, "ForProtocol copies; the preset is untouched");
        TrainingProtocols.Parse("Original").Should().Be(TrainingProtocol.Original);
        var bad = () => TrainingProtocols.Parse("paper");
        bad.Should().Throw<ArgumentException>().WithMessage("*'paper'*expected clean or original*");
    }

    [Fact]
    public void Frozen_norm_training_with_a_feature_cache_is_refused()
    {
        var o = Tiny();
        o.FrozenNormTraining = true;
        o.CacheFeatures = true;
        var create = () => new BilateralProtocol(o);
        create.Should().Throw<OptionsValidationException>().WithMessage("*FrozenNormTraining needs CacheFeatures = false*");
    }

    [Theory]
    [InlineData(TrainingProtocol.Original, true, "fine/accuracy+coarse/accuracy")]
    [InlineData(TrainingProtocol.Clean, false, "fine/accuracy")]
    public void Stage_2_moves_frozen_batch_norm_statistics_only_under_the_original_protocol(TrainingProtocol protocol, bool move, string selection)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(7);
        using var data = SyntheticHierarchy.Create(96, seed: 5);
        var (train, val) = data.SplitValidation(0.25, seed: 1);
        using var net = Network();
        var options = Tiny().ForProtocol(protocol);
        options.CacheFeatures = false; // clean through images too, so only the freeze mode differs
        var weights = net.Left.parameters().Select(p => p.clone()).ToList();
        var stats = NormStats(net.Left);
        var head = net.Head.parameters().Select(p => p.clone()).ToList();

        var result = new BilateralProtocol(options).TrainStage2(net, train, val);

        Same(stats, NormStats(net.Left)).Should().Be(!move, "running statistics move only when frozen layers keep training mode");
        net.Left.parameters().Zip(weights).All(t => t.First.allclose(t.Second, rtol: 0, atol: 0)).Should().BeTrue("hemisphere weights are frozen under both protocols");
        net.Head.parameters().Zip(head).Any(t => !t.First.allclose(t.Second, rtol: 0, atol: 0)).Should().BeTrue("the heads train");
        result.SelectionMetric.Should().Be(selection);
        net.Left.IsFrozen.Should().BeTrue();
        net.Left.LayersTrainWhileFrozen.Should().Be(move);
    }

    [Fact]
    public void Batch_norm_momentum_is_set_on_every_norm_and_validated()
    {
        TorchRuntime.EnsureLoaded();
        using var h = Hemisphere.ResNet9().Width(0.125).InputChannels(1).Build().BatchNormMomentum(0.9);
        var norms = h.modules().OfType<BatchNorm2d>().ToList();
        norms.Should().NotBeEmpty();
        norms.Should().OnlyContain(n => n.momentum == 0.9);
        var bad = () => h.BatchNormMomentum(0);
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Original_vgg11_hemisphere_is_torchvision_vgg11_without_batch_norm_or_last_linear()
    {
        TorchRuntime.EnsureLoaded();
        using var vgg = new OriginalVgg11(inputChannels: 3, width: 1.0);
        vgg.FeatureSize.Should().Be(4096);
        vgg.modules().OfType<BatchNorm2d>().Should().BeEmpty("models/vgg.py uses vgg11, not vgg11_bn");
        vgg.modules().OfType<Dropout>().Should().HaveCount(2, "fc6 and fc7 keep their dropout");
        // torchvision vgg11 (1000 classes) has 132,863,336 parameters; minus classifier.6 (4096 x 1000 + 1000).
        vgg.ParameterCount.Should().Be(132_863_336 - 4_097_000);
        vgg.state_dict().Keys.Should().Contain("classifier.3.weight").And.NotContain("classifier.6.weight");
        using var small = new OriginalVgg11(inputChannels: 1, width: 0.125);
        using var x = torch.rand(2, 1, 28, 28);
        small.eval();
        using var y = small.call(x);
        y.shape.Should().Equal(2, small.FeatureSize);
    }

    [Fact]
    public void Cost_estimate_counts_models_epochs_and_the_stage_2_mode()
    {
        TorchRuntime.EnsureLoaded();
        var paper = BilateralExperimentOptions.Paper();
        var clean = BilateralCostEstimate.For(paper);
        paper.Protocol = TrainingProtocol.Original;
        var original = BilateralCostEstimate.For(paper);
        clean.GpuHours.Should().BeGreaterThan(0);
        original.TotalFlops.Should().BeGreaterThan(clean.TotalFlops, "stage 2 through the hemispheres costs a forward pass per image per epoch");
        original.Lines()[^1].Should().Contain("GPU hours").And.Contain("TFLOP/s sustained").And.Contain("CPU hours");
        var half = BilateralExperimentOptions.Paper();
        half.EnsemblePool = 5;
        double pool10 = clean.Items.Single(i => i.Model.StartsWith("ensemble pool", StringComparison.Ordinal)).Flops;
        double pool5 = BilateralCostEstimate.For(half).Items.Single(i => i.Model.StartsWith("ensemble pool", StringComparison.Ordinal)).Flops;
        pool5.Should().BeLessThan(pool10).And.BeGreaterThan(pool10 * 0.45);
        // ResNet-9 forward FLOPs at width 1 on 32 px: about 0.6 GFLOP (2 per multiply-add).
        clean.Items[0].ForwardFlopsPerImage.Should().BeInRange(3e8, 1.5e9);
    }

    [Fact]
    public void Paired_comparisons_are_taken_against_the_reference_row_by_seed()
    {
        var table = new ResultTable("bilateral");
        string reference = BilateralExperiment.SpecializedRow(TrainingProtocol.Clean);
        foreach (var (seed, r, u) in new[] { (0, 0.80, 0.75), (1, 0.82, 0.78), (2, 0.79, 0.70) })
        {
            table.Add(reference, "-", seed, new Dictionary<string, double> { ["fine accuracy"] = r, ["coarse accuracy"] = r + 0.1 });
            table.Add("unilateral ResNet-9", "-", seed, new Dictionary<string, double> { ["fine accuracy"] = u, ["coarse accuracy"] = u + 0.1 });
            table.Add("left ResNet-9 alone (fine)", "-", seed, new Dictionary<string, double> { ["fine accuracy"] = u - 0.01 });
        }
        var comparisons = BilateralExperiment.Compare(table, reference);
        comparisons.Select(c => (c.Metric, c.Comparison.Name)).Should().Equal(
            ("fine accuracy", $"unilateral ResNet-9 - {reference}"), ("fine accuracy", $"left ResNet-9 alone (fine) - {reference}"),
            ("coarse accuracy", $"unilateral ResNet-9 - {reference}"));
        var uni = comparisons[0].Comparison;
        uni.Mean.Should().BeApproximately(-(0.05 + 0.04 + 0.09) / 3, 1e-12);
        (uni.Wins, uni.Losses, uni.N).Should().Be((0, 3, 3));
        uni.SignP.Should().BeApproximately(0.25, 1e-12);
        double.IsNaN(uni.HolmP).Should().BeFalse();
        // t CI with 2 degrees of freedom: mean ± 4.303 · sd / √3 (sd of -0.05, -0.04, -0.09 is 0.02646).
        uni.CiHigh.Should().BeApproximately(uni.Mean + 4.302653 * 0.0264575 / Math.Sqrt(3), 1e-5);
        uni.CiLow.Should().BeApproximately(uni.Mean - 4.302653 * 0.0264575 / Math.Sqrt(3), 1e-5);
    }
}
