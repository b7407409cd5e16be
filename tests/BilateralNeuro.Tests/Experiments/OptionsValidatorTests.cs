using BilateralNeuro.Beyond;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Resources;
using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

public class OptionsValidatorTests
{
    [Fact]
    public void ThrowIfInvalid_returns_valid_options_and_lists_every_problem_of_invalid_ones()
    {
        var ok = new LatticeOptions();
        OptionsValidation.ThrowIfInvalid(ok, new LatticeOptionsValidator()).Should().BeSameAs(ok);
        var bad = new LatticeOptions { MaxLayers = 0, KernelSize = 4, Cost = new() { TimePressure = -1 } };
        var e = FluentActions.Invoking(() => OptionsValidation.ThrowIfInvalid(bad, new LatticeOptionsValidator()))
            .Should().Throw<OptionsValidationException>().Which;
        e.OptionsName.Should().Be(nameof(LatticeOptions));
        e.OptionsType.Should().Be(typeof(LatticeOptions));
        e.Failures.Should().HaveCount(3).And.Contain(f => f.StartsWith("TimePressure must be a finite number >= 0"));
        FluentActions.Invoking(() => OptionsValidation.ThrowIfInvalid<LatticeOptions>(null!, new LatticeOptionsValidator())).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Resource_experiment_options_are_validated_with_nested_prefixes()
    {
        new ResourceExperimentOptionsValidator().Validate(null, ResourceExperimentOptions.Quick()).Succeeded.Should().BeTrue();
        new ResourceExperimentOptionsValidator().Validate(null, ResourceExperimentOptions.Full()).Succeeded.Should().BeTrue();
        var o = ResourceExperimentOptions.Quick();
        o.TrainCount = 0;
        o.Lattice.MaxSteps = 0;
        o.Training.Epochs = 0;
        o.Grid.Add(new Pressure(-1, 0, 0));
        o.Classes = [1, 5];
        o.OcclusionLevels = [0.2, 1.5];
        var r = new ResourceExperimentOptionsValidator().Validate(null, o);
        r.Failures.Should().HaveCount(6);
        r.Failures.Should().Contain(["TrainCount must be at least 1 (got 0).", "Lattice.MaxSteps must be at least 1 (got 0).", "Training.Epochs must be at least 1 (got 0)."]);
        r.Failures.Should().Contain(f => f.StartsWith("Grid: breadth pressure")).And.Contain(f => f.StartsWith("Classes:")).And.Contain(f => f.StartsWith("OcclusionLevels:"));
    }

    [Fact]
    public void Synchrony_experiment_options_are_validated_with_nested_training()
    {
        new SynchronyExperimentOptionsValidator().Validate(null, new SynchronyExperimentOptions()).Succeeded.Should().BeTrue();
        var o = new SynchronyExperimentOptions
        {
            ValidationFraction = 1, Overlaps = [0.5, 2], KernelSize = 4, Seeds = 0,
            Models = [SynchronyModel.Real, SynchronyModel.Real], Ood = (30, 1.5, 1.0, 0.1),
            Training = new() { Epochs = 0, LearningRate = double.NaN },
        };
        var r = new SynchronyExperimentOptionsValidator().Validate(null, o);
        r.Failures.Should().HaveCount(8);
        r.Failures.Should().Contain(["Training.Epochs must be at least 1 (got 0).", "Models: models must be distinct.", "KernelSize must be a positive odd number (got 4)."]);
        r.Failures.Should().Contain(f => f.StartsWith("Training.LearningRate")).And.Contain(f => f.StartsWith("Ood:")).And.Contain(f => f.StartsWith("Overlaps:"));
    }

    [Fact]
    public void Downloader_and_occlusion_options_have_validators()
    {
        new DatasetDownloaderOptionsValidator().Validate(null, new DatasetDownloaderOptions()).Succeeded.Should().BeTrue();
        var d = new DatasetDownloaderOptionsValidator().Validate(null, new DatasetDownloaderOptions
        {
            MaxAttempts = 0, RetryDelay = TimeSpan.FromSeconds(-1), ReadTimeout = TimeSpan.Zero, ProgressInterval = TimeSpan.FromSeconds(-2),
        });
        d.Failures.Should().HaveCount(4).And.Contain("MaxAttempts must be at least 1 (got 0).");
        new OcclusionOptionsValidator().Validate(null, new OcclusionOptions()).Succeeded.Should().BeTrue();
        new OcclusionOptionsValidator().Validate(null, new OcclusionOptions { MinPatch = 5, MaxPatch = 3 }).Failures.Should().ContainSingle()
            .Which.Should().Contain("MinPatch <= MaxPatch");
    }

    [Fact]
    public void Phase_sync_validator_bounds_the_stage_only_when_it_knows_the_count()
    {
        var o = new PhaseSyncOptions { AfterStage = 3 };
        new PhaseSyncOptionsValidator().Validate(null, o).Succeeded.Should().BeTrue();
        new PhaseSyncOptionsValidator(3).Validate(null, o).Failures.Should().ContainSingle().Which.Should().Be("Synchronize: afterStage must lie in [0, 2] (got 3).");
    }
}
