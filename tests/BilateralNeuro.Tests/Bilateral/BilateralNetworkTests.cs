using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using BilateralNeuro.Tests.Backbones;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Tests.Bilateral;

public class BilateralNetworkTests
{
    private static BilateralNetwork Small(bool gated = false) => BilateralNetwork.Create()
        .Left(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Fine))
        .Right(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Coarse))
        .Heads(fine: 10, coarse: 4, dropout: 0.6).Gated(gated).Build();

    [Fact]
    public void Fluent_build_gives_logits_per_head_features_and_pytorch_keys()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(1);
        using var net = Small();
        net.eval();
        using var x = torch.randn(3, 1, 28, 28);
        var y = net.call(x);
        y["fine"].shape.Should().Equal(3, 10);
        y["coarse"].shape.Should().Equal(3, 4);
        y[BilateralNetwork.LeftFeatures].shape.Should().Equal(3, 64);
        y[BilateralNetwork.RightFeatures].shape.Should().Equal(3, 64);
        net.Left.Specialization.Should().Be(LabelLevel.Fine);
        var keys = net.state_dict().Keys.ToList();
        keys.Should().Contain(["head.heads.fine.weight", "head.heads.coarse.bias", "left.backbone.prep.0.weight", "right.backbone.res2.block.1.1.running_mean"]);
        net.Head.state_dict().Keys.Should().Contain("heads.fine.weight");
        long backbone = BackboneParameterTests.ExpectedResNet9(1, 8, 16, 32, 64);
        net.ParameterCount.Should().Be(2 * backbone + (128 * 10 + 10) + (128 * 4 + 4));
    }

    [Fact]
    public void Width_1_hemisphere_has_6_57_million_parameters()
    {
        TorchRuntime.EnsureLoaded();
        using var h = Hemisphere.ResNet9().Width(1).InputChannels(3).Build();
        h.ParameterCount.Should().Be(BackboneParameterTests.ExpectedResNet9(3, 64, 128, 256, 512));
        h.FeatureSize.Should().Be(512);
    }

    [Fact]
    public void Build_lists_every_problem_at_once()
    {
        var build = () => BilateralNetwork.Create()
            .Left(h => h.ResNet9().Width(-1).InputChannels(0))
            .Heads(fine: 1, coarse: 4, dropout: 1.5).Build();
        var e = build.Should().Throw<OptionsValidationException>().Which;
        e.Failures.Should().HaveCount(5);
        e.Message.Should().Contain("Left: Width").And.Contain("Left: InputChannels").And.Contain("Dropout")
            .And.Contain("'fine' needs at least 2").And.Contain("no right hemisphere");
    }

    [Fact]
    public void Frozen_hemispheres_keep_weights_and_batch_norm_statistics_in_a_train_mode_step()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(2);
        using var net = Small();
        net.FreezeHemispheres();
        net.train(); // the parent asks for training mode
        net.Left.training.Should().BeFalse();
        net.Left.modules().OfType<BatchNorm2d>().Should().OnlyContain(b => !b.training);
        net.Head.training.Should().BeTrue();
        var before = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var trainable = net.parameters().Where(p => p.requires_grad).ToList();
        trainable.Sum(p => p.numel()).Should().Be(128 * 10 + 10 + 128 * 4 + 4);
        using var opt = torch.optim.Adam(trainable, 1e-2);
        using var x = torch.randn(8, 1, 28, 28) * 3 + 1; // statistics far from the running ones
        using var yf = torch.randint(0, 10, [8], dtype: torch.int64);
        using var yc = torch.randint(0, 4, [8], dtype: torch.int64);
        var outputs = net.call(x);
        var loss = F.cross_entropy(outputs["fine"], yf) + F.cross_entropy(outputs["coarse"], yc);
        opt.zero_grad();
        loss.backward();
        opt.step();
        foreach (var (key, value) in net.state_dict())
        {
            bool same = value.to(torch.float64).eq(before[key].to(torch.float64)).all().item<bool>();
            if (key.StartsWith("head.")) same.Should().BeFalse($"{key} is trainable");
            else same.Should().BeTrue($"{key} belongs to a frozen hemisphere");
        }
        net.UnfreezeHemispheres();
        net.train();
        net.Left.modules().OfType<BatchNorm2d>().Should().OnlyContain(b => b.training);
    }

    [Fact]
    public void Heads_read_both_hemispheres_and_gradients_reach_both()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(3);
        using var net = Small(gated: true);
        net.eval();
        using var x = torch.randn(4, 1, 28, 28);
        var (l, r) = net.Features(x);
        var full = net.Head.call(l, r)["fine"];
        var noLeft = net.Head.call(torch.zeros_like(l), r)["fine"];
        var noRight = net.Head.call(l, torch.zeros_like(r))["fine"];
        (full - noLeft).abs().max().item<float>().Should().BeGreaterThan(1e-4f);
        (full - noRight).abs().max().item<float>().Should().BeGreaterThan(1e-4f);
        net.Head.GateWeights("fine").Left.Should().BeApproximately(0.5, 1e-6);

        net.train();
        var y = net.call(x);
        (y["fine"].sum() + y["coarse"].sum()).backward();
        foreach (var h in new[] { net.Left, net.Right })
        {
            var w = h.LastConv()!.weight!;
            w.grad.Should().NotBeNull();
            w.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void Custom_backbone_and_bad_input_are_reported_clearly()
    {
        TorchRuntime.EnsureLoaded();
        var custom = torch.nn.Sequential(("0", torch.nn.Flatten()), ("1", torch.nn.Linear(2 * 4 * 4, 7)));
        using var h = Hemisphere.From(custom, 7);
        using var net = BilateralNetwork.Create().Left(h).Right(r => r.Backbone(torch.nn.Sequential(("0", torch.nn.Flatten()), ("1", torch.nn.Linear(32, 5))), 5))
            .Heads(fine: 3, coarse: 2).Build();
        net.eval();
        var y = net.call(torch.randn(2, 2, 4, 4));
        y["fine"].shape.Should().Equal(2, 3);
        var wrongRank = () => net.call(torch.randn(2, 32));
        wrongRank.Should().Throw<ArgumentException>().WithMessage("*BilateralNetwork*rank 4*");
        using var liar = Hemisphere.From(torch.nn.Flatten(), 3);
        var lie = () => liar.call(torch.randn(2, 2, 4, 4));
        lie.Should().Throw<InvalidOperationException>().WithMessage("*declares 3 features*");
    }
}
