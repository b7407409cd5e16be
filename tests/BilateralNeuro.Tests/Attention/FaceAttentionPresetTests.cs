using BilateralNeuro.Analysis;
using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class FaceAttentionPresetTests
{
    [Theory]
    [InlineData(64, 1)]
    [InlineData(96, 2)]
    [InlineData(126, 2)]
    [InlineData(127, 3)]
    [InlineData(128, 3)]
    [InlineData(160, 4)]
    [InlineData(224, 6)]
    public void AlexNet_final_map_size_matches_the_trunk(int size, int expected)
    {
        AlexNet.FinalMapSize(size).Should().Be(expected);
        using var net = new AlexNet(2, width: 0.0625);
        using var x = torch.zeros(1, 3, size, size);
        using var _ = torch.no_grad();
        using var y = net.Features.call(x);
        y.shape.Should().Equal(1, net.FeatureChannels, expected, expected);
    }

    // Regression guard: at 96 px AlexNet's trunk ends in a 2x2 map (the adaptive pool only replicates it) and frozen
    // transfer to valence stayed near chance for every model; the default run must use all five models at >= 3x3.
    [Fact]
    public void Cpu_preset_runs_all_five_models_on_both_pretrainings_with_at_least_3x3_alexnet_maps()
    {
        var o = FaceAttentionExperimentOptions.CpuPreset();
        OptionsValidation.ThrowIfInvalid(o, new FaceAttentionExperimentOptionsValidator());
        o.Models.Should().BeEquivalentTo(FaceAttentionExperimentOptionsValidator.KnownModels);
        o.Pretrainings.Should().BeEquivalentTo([FacePretraining.Object, FacePretraining.Face]);
        AlexNet.FinalMapSize(o.ImageSize).Should().BeGreaterThanOrEqualTo(3);
        (o.ImageSize / 32).Should().BeGreaterThanOrEqualTo(3, "VGG's last map is ImageSize / 32");
    }

    [Fact]
    public void Tiny_run_shares_the_frozen_cache_between_AlexNet_and_FE_AlexNet_and_reports_every_condition()
    {
        var o = new FaceAttentionExperimentOptions
        {
            ImageSize = 64, Width = 0.0625, Models = ["AlexNet", "FE-AlexNet"], Pretrainings = [FacePretraining.RandomInit],
            TransferIdentities = 4, ImagesPerTransferIdentity = 4, TestIdentities = 2, TransferEpochs = 2, MorphLevels = 5,
            Bootstraps = 10, BenchmarkModel = null,
        };
        var report = new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()));
        report.Models.Select(m => m.Model).Should().Equal("AlexNet", "FE-AlexNet");
        foreach (var m in report.Models)
        {
            m.Pretraining.Should().Be(FacePretraining.RandomInit);
            double.IsNaN(m.PretrainValidationAccuracy).Should().BeTrue("nothing was pre-trained");
            m.Curves.Keys.Should().BeEquivalentTo([FaceOcclusion.None, FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth]);
            m.Curves[FaceOcclusion.None].Trials.Should().AllSatisfy(t => t.Should().Be(2));
            m.ValenceAccuracy.Should().BeInRange(0, 1);
        }
    }

    [Fact]
    public void Plot_draws_the_human_reference_in_black_and_the_fit_in_blue()
    {
        var fit = Psychometric.FitWithBootstrap([0, 0.25, 0.5, 0.75, 1], [0, 1, 5, 9, 10], [10, 10, 10, 10, 10], 10, 1);
        using var img = PsychometricPlot.Grid([[fit, null], [fit]], panelSize: 60);
        img.shape.Should().Equal(3, 120, 120);
        using var black = (img[0] + img[1] + img[2]).eq(0);
        using var blue = img[2].gt(0.9f) & img[0].lt(0.2f);
        black.sum().item<long>().Should().BeGreaterThan(3 * 40, "the human curve is drawn in each of the three panels");
        blue.narrow(1, 60, 60).sum().item<long>().Should().Be(0, "the right-hand top panel has no fit");
        blue.narrow(1, 0, 60).sum().item<long>().Should().BeGreaterThan(20);
    }
}
