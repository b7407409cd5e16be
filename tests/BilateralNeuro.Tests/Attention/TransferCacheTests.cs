using BilateralNeuro.Attention;
using BilateralNeuro.Attention.Training;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Training;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

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
