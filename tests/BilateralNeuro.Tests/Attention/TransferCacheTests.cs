using BilateralNeuro.Attention;
using BilateralNeuro.Attention.Training;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Training;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using BB = BilateralNeuro.Backbones;

namespace BilateralNeuro.Tests.Attention;

public class TransferCacheTests
{
    [Fact]
    public void Cached_training_matches_the_prefix_learns_and_leaves_frozen_features_untouched()
    {
        torch.manual_seed(4);
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64 });
        using var data = gen.ValenceSet(gen.SampleIdentities(2, seed: 1), 10, seed: 2);
        using var model = TransferModels.FeAlexNet().Width(0.125).Classes(2).Build();
        var norm = FaceAttentionExperiment.InputNormalization;
        using var cache = TransferTraining.CacheFeatures(model, data, norm, batchSize: 16);
        cache.Primary.shape.Should().Equal(20, 32, 6, 6);

        // the cache equals the frozen prefix of the normalised images
        var source = new BatchSource(data, 20, normalization: norm, shuffle: false);
        var batch = source.Load(Enumerable.Range(0, 20).Select(i => (long)i).ToArray(), augment: false);
        model.eval();
        using (torch.no_grad()) model.ForwardFrozen(batch.Images).allclose(cache.Primary, 1e-5, 1e-6).Should().BeTrue();

        var conv1 = model.state_dict()["features.0.weight"].clone();
        var fc7 = model.state_dict()["classifier.4.weight"].clone();
        var result = TransferTraining.Fit(model, cache, null, FaceDatasets.Valence, new TrainerOptions { Epochs = 40, BatchSize = 10, LearningRate = 1e-3, RestoreBest = false });
        result.History.Should().HaveCount(40);
        result.History[^1].TrainLoss.Should().BeLessThan(result.History[0].TrainLoss);
        model.state_dict()["features.0.weight"].allclose(conv1, 0, 0).Should().BeTrue();
        model.state_dict()["classifier.4.weight"].allclose(fc7, 0, 0).Should().BeFalse();
        TransferTraining.Predict(model, cache).shape.Should().Equal(20, 2);
    }

    [Theory]
    [InlineData("AlexNet")]
    [InlineData("VGG11")]
    public void Probe_pass_trunk_output_is_the_transfer_prefix_and_gives_the_same_view_cache(string arch)
    {
        torch.manual_seed(7);
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64 });
        using var data = gen.ValenceSet(gen.SampleIdentities(3, seed: 1), 10, seed: 2); // 30 images: batches of 16 + 14
        var norm = FaceAttentionExperiment.InputNormalization;
        BB.ITorchvisionConvNet backbone = arch == "AlexNet" ? new BB.AlexNet(10, 0.125) : new BB.Vgg(11, 10, 0.125, batchNorm: true);
        var state = ((torch.nn.Module)backbone).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using var acts = BilateralNeuro.Analysis.PooledActivations.Extract(backbone, data, norm, batchSize: 16, keepTrunkOutput: true);
        using var plain = BilateralNeuro.Analysis.PooledActivations.Extract(backbone, data, norm, batchSize: 16);
        plain.TrunkOutput.Should().BeNull();
        foreach (var layer in acts.Layers) acts[layer].allclose(plain[layer], 0, 0).Should().BeTrue("keeping the trunk output does not change the probes' features");

        var fresh = arch == "AlexNet" ? (BB.ITorchvisionConvNet)new BB.AlexNet(10, 0.125) : new BB.Vgg(11, 10, 0.125, batchNorm: true);
        ((torch.nn.Module)fresh).load_state_dict(state);
        var builder = arch == "AlexNet" ? TransferModels.AlexNet() : TransferModels.Vgg11();
        using var model = builder.FromBackbone(fresh).CarryOver(TransferredLayers.ConvOnly).Classes(2).Build();
        using var viaPrefix = FaceAttentionExperiment.CacheViews(model, data, views: 1, seed: 5, batchSize: 16);
        using var shared = FaceAttentionExperiment.CacheViews(model, data, views: 1, seed: 5, batchSize: 16, originals: acts.TrunkOutput);
        // bit for bit: the originals' rows and the crop/flip views' rows (same generator draws)
        shared.Primary.shape.Should().Equal(viaPrefix.Primary.shape);
        shared.Primary.allclose(viaPrefix.Primary, 0, 0).Should().BeTrue();
        acts.TrunkOutput!.allclose(viaPrefix.Primary.narrow(0, 0, data.Count), 0, 0).Should().BeTrue();

        using var wrong = torch.zeros(3, 4);
        var act = () => FaceAttentionExperiment.CacheViews(model, data, views: 1, seed: 5, originals: wrong);
        act.Should().Throw<ArgumentException>().WithMessage("*one row per image*30*");
    }

    [Fact]
    public void Unfrozen_model_refuses_the_cache()
    {
        using var model = TransferModels.AlexNet().Width(0.125).FreezeFeatures(false).Build();
        var gen = new FaceGenerator();
        using var data = gen.ValenceSet(gen.SampleIdentities(1, seed: 1), 2, seed: 2);
        var act = () => TransferTraining.CacheFeatures(model, data, FaceAttentionExperiment.InputNormalization);
        act.Should().Throw<InvalidOperationException>().WithMessage("*frozen*");
    }

    [Fact]
    public void Experiment_options_list_every_problem()
    {
        var o = new FaceAttentionExperimentOptions { ImageSize = 32, Models = ["AlexNet", "ResNet"], ProbeFolds = 1 };
        var act = () => new FaceAttentionExperiment(o);
        var ex = act.Should().Throw<OptionsValidationException>().Which;
        ex.Failures.Should().HaveCount(3);
        ex.Message.Should().Contain("ImageSize").And.Contain("ResNet").And.Contain("ProbeFolds");
    }
}
