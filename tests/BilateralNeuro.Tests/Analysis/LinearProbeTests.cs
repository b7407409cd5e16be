using BilateralNeuro.Analysis;
using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Analysis;

public class LinearProbeTests
{
    // two classes whose means differ along one random direction by 6 noise standard deviations: linearly separable
    private static (Tensor X, Tensor Y) Separable(int n, int d, int seed)
    {
        using var g = new Generator((ulong)seed);
        var y = torch.arange(n, dtype: ScalarType.Int64) % 2;
        var direction = torch.randn(d, generator: g);
        direction /= direction.norm();
        var x = torch.randn([n, d], generator: g) + (y.to(ScalarType.Float32) * 2 - 1).unsqueeze(1) * direction * 3f;
        return (x, y);
    }

    [Fact]
    public void Separates_linearly_separable_features_in_the_primal_and_the_dual()
    {
        var (x, y) = Separable(200, 20, 1);           // d < n: primal
        LinearProbe.CrossValidate(x, y).Accuracy.Should().BeGreaterThan(0.97);
        var (x2, y2) = Separable(120, 400, 2);        // d > n: dual
        var r = LinearProbe.CrossValidate(x2, y2, new LinearProbeOptions { Folds = 4 });
        r.Accuracy.Should().BeGreaterThan(0.95);
        r.FoldAccuracies.Should().HaveCount(4);
        r.Chance.Should().BeApproximately(0.5, 1e-9);
        r.Features.Should().Be(400);
    }

    [Fact]
    public void Random_labels_stay_near_chance()
    {
        using var g = new Generator(7);
        var x = torch.randn([300, 50], generator: g);
        var y = torch.randint(0, 2, [300], generator: g, dtype: ScalarType.Int64);
        var r = LinearProbe.CrossValidate(x, y, new LinearProbeOptions { Seed = 3 });
        r.Accuracy.Should().BeInRange(0.38, 0.62);    // ±4 binomial SDs around 0.5 for n = 300
        // while the same features with a learnable label are read out: the probe is not simply weak
        var yLearnable = (x[.., 0] > 0).to(ScalarType.Int64);
        LinearProbe.CrossValidate(x, yLearnable).Accuracy.Should().BeGreaterThan(0.9);
    }

    [Fact]
    public void Three_classes_and_a_closed_form_fit_that_predicts_held_out_rows()
    {
        using var g = new Generator(11);
        var centres = torch.randn([3, 10], generator: g) * 4;
        var y = torch.arange(150, dtype: ScalarType.Int64) % 3;
        var x = centres.index_select(0, y) + torch.randn([150, 10], generator: g);
        using var probe = LinearProbe.Fit(x[..100], y[..100]);
        probe.Classes.Should().Be(3);
        probe.Accuracy(x[100..], y[100..]).Should().BeGreaterThan(0.95);
        probe.Scores(x[100..]).shape.Should().Equal(50, 3);
    }

    [Fact]
    public void Grouped_folds_keep_each_group_on_one_side()
    {
        // the label is the group's: a probe that memorises groups would score 100 %, held-out groups give chance
        using var g = new Generator(5);
        var groups = torch.arange(200, dtype: ScalarType.Int64).div(10, RoundingMode.floor);                 // 20 groups of 10
        var groupCode = torch.randn([20, 30], generator: g) * 3;
        var labels = torch.randint(0, 2, [20], generator: g, dtype: ScalarType.Int64);
        var x = groupCode.index_select(0, groups) + torch.randn([200, 30], generator: g) * 0.1f;
        var y = labels.index_select(0, groups);
        LinearProbe.CrossValidate(x, y).Accuracy.Should().BeGreaterThan(0.9);          // rows of a group in train and test
        LinearProbe.CrossValidate(x, y, groups: groups).Accuracy.Should().BeLessThan(0.8);
    }

    [Fact]
    public void Bad_input_is_named()
    {
        var x = torch.randn(10, 3);
        var act1 = () => LinearProbe.CrossValidate(x, torch.zeros(9, dtype: ScalarType.Int64));
        act1.Should().Throw<ArgumentException>().WithMessage("*one label per feature row (10)*");
        var act2 = () => LinearProbe.CrossValidate(x, torch.zeros(10));
        act2.Should().Throw<ArgumentException>().WithMessage("*integer class indices*");
        var act3 = () => LinearProbe.CrossValidate(x, torch.arange(10, dtype: ScalarType.Int64) % 2, new LinearProbeOptions { Ridge = 0, Folds = 1 });
        act3.Should().Throw<OptionsValidationException>().WithMessage("*Ridge*");
    }

    [Fact]
    public void Pooled_activations_follow_the_conv_blocks_in_eval_mode_and_match_a_manual_forward()
    {
        torch.manual_seed(9);
        var net = new AlexNet(5, 0.125);
        net.train();
        var images = torch.randint(0, 256, [6, 3, 64, 64], dtype: ScalarType.Byte);
        using var data = new LabeledImages("t", images, new Dictionary<string, Tensor> { ["fine"] = torch.arange(6, dtype: ScalarType.Int64) % 2 });
        var norm = new Normalization([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
        using var acts = PooledActivations.Extract(net, data, norm, batchSize: 4);
        acts.Layers.Should().Equal("conv1", "conv2", "conv3", "conv4", "conv5");
        acts["conv1"].shape.Should().Equal(6, 8);
        acts["conv3"].shape.Should().Equal(6, 48);
        acts["conv5"].dtype.Should().Be(ScalarType.Float16);
        acts.Bytes.Should().Be(6 * (8 + 24 + 48 + 32 + 32) * 2);
        net.training.Should().BeTrue("the network's mode is restored");
        // by hand: the normalised batch through features[0..12], mean over space
        using (no_grad())
        {
            net.eval();
            var x = (images.to(ScalarType.Float32) / 255f - 0.5f) / 0.25f;
            var conv5 = net.Features.call(x).mean([2, 3]);
            acts["conv5"].to(ScalarType.Float32).allclose(conv5, 1e-2, 1e-2).Should().BeTrue();
            using var f32 = PooledActivations.Extract(net, x, batchSize: 5, halfPrecision: false);
            f32["conv5"].allclose(conv5, 1e-5, 1e-6).Should().BeTrue();
        }
        // probes run on them
        LinearProbe.ByLayer(acts, data.Labels["fine"], new LinearProbeOptions { Folds = 3 }).Select(r => r.Layer).Should().Equal(acts.Layers);
    }
}
