using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using BilateralNeuro.Tests.Bilateral;
using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public sealed class BeyondExperimentTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-beyond-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static BeyondExperimentOptions Tiny(params string[] variants) => new()
    {
        Variants = [.. variants], Seeds = [0], TrainLimit = null, TestLimit = null, Dropout = 0.2,
        Sync = (2, 3, 3),
        Training = BeyondProtocolTests.Tiny(epochs: 1),
    };

    [Fact]
    public void Sync_variants_report_coherence_and_a_rerun_comes_from_the_journal_alone()
    {
        TorchRuntime.EnsureLoaded();
        using var data = SyntheticHierarchy.Create(96, seed: 3);
        using var test = SyntheticHierarchy.Create(48, seed: 4);
        var options = Tiny("paper", "coupled");
        options.Training.Bilateral.Stage2.Epochs = 2;
        var stages = new List<string>();
        var steps = 0;
        var first = new BeyondExperiment(options).Run(new ExperimentContext(data, test)
        {
            Journal = new ExperimentJournal(dir, "tiny"),
            StageProgress = s => { stages.Add(s); return new SyncProgress(() => steps++); },
        });
        stages.Should().Equal("seed 0 · paper", "seed 0 · coupled");
        steps.Should().BeGreaterThan(2, "every stage-1 step is reported");
        first.Table.Rows.Single(r => r.Model == "coupled").Metrics.Should().ContainKeys("phase coherence", "spatial phase coherence");
        first.Table.Rows.Single(r => r.Model == "paper").Metrics.Should().NotContainKey("phase coherence");
        first.Table.Rows.Single(r => r.Model == "coupled").Metrics["phase coherence"].Should().BeInRange(0, 1);
        first.Summary.Single(r => r.Variant == "coupled").Extra.Should().ContainKey("phase coherence");
        var best = first.Summary.MaxBy(r => r.Validation.Mean)!.Variant;
        first.BestByValidation.Should().Be(best);
        first.Notes.Should().Contain(n => n.StartsWith("best by mean validation fine accuracy") && n.Contains(best));
        new ExperimentJournal(dir, "tiny").CompletedUnits.Should().Equal("coupled_seed_0", "paper_seed_0");

        // A cancelled token makes any training throw at its first step: the rerun must come from the journal alone.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var second = new BeyondExperiment(options).Run(new ExperimentContext(data, test) { Journal = new ExperimentJournal(dir, "tiny"), Cancellation = cancelled.Token });
        second.Table.Rows.Select(r => (r.Model, r.Seed, r.Metrics["fine accuracy"], r.Metrics.GetValueOrDefault("phase coherence", -1)))
            .Should().Equal(first.Table.Rows.Select(r => (r.Model, r.Seed, r.Metrics["fine accuracy"], r.Metrics.GetValueOrDefault("phase coherence", -1))));
        second.ToText().Should().Be(first.ToText());
    }

    [Fact]
    public void Variant_tokens_are_validated()
    {
        var ok = () => OptionsValidation.ThrowIfInvalid(Tiny("paper", "sync", "coupled", "contrastive", "sync+callosal", "asymmetric+sync", "sync+contrastive"), new BeyondExperimentOptionsValidator());
        ok.Should().NotThrow();
        TorchRuntime.EnsureLoaded();
        var experiment = new BeyondExperiment(Tiny("paper"));
        using var x = TorchSharp.torch.randn(2, 1, 12, 12);
        foreach (var v in new[] { "sync", "coupled", "asymmetric+sync", "asymmetric+coupled", "sync+callosal", "coupled+selfsup" })
        {
            using var net = experiment.Build(v, 1, 6, 3);
            net.eval();
            net.Left.Sync.Should().NotBeNull(v);
            net.Right.Sync.Should().NotBeNull(v);
            net.PhaseCoupling.Should().Be(v.Contains("coupled") ? 100 : 0, v);
            net.call(x)["fine"].shape.Should().Equal([2, 6], v);
        }
        var bad = () => OptionsValidation.ThrowIfInvalid(Tiny("lattice+sync", "coupled+callosal", "synch", "frozenphase+sync"), new BeyondExperimentOptionsValidator());
        bad.Should().Throw<OptionsValidationException>().Where(e =>
            e.Failures.Any(f => f.Contains("cannot be synchronised")) && e.Failures.Any(f => f.Contains("deadlock")) && e.Failures.Any(f => f.Contains("'synch'"))
            && e.Failures.Any(f => f.Contains("frozenphase is the unsynchronised control")));
    }

    [Fact]
    public void Frozenphase_control_keeps_the_block_but_not_the_dynamics()
    {
        TorchRuntime.EnsureLoaded();
        var experiment = new BeyondExperiment(Tiny("frozenphase"));
        using var frozen = experiment.Build("frozenphase", 1, 6, 3);
        using var sync = experiment.Build("sync", 1, 6, 3);
        frozen.Left.Sync!.Options.StepSize.Should().Be(0);
        sync.Left.Sync!.Options.StepSize.Should().BeGreaterThan(0);
        frozen.parameters().Sum(p => p.numel()).Should().Be(sync.parameters().Sum(p => p.numel()), "the control has the same parameters");
        frozen.eval();
        using var x = TorchSharp.torch.rand(2, 1, 12, 12);
        var block = frozen.Left.Sync!;
        var a = TorchSharp.torch.rand(2, block.Channels, 3, 3);
        var r = block.Run(a, new TorchSharp.torch.Generator(3));
        var again = block.InitialPhases(a, new TorchSharp.torch.Generator(3));
        (r.Phase - again).abs().max().item<float>().Should().BeLessThan(1e-6f, "with η = 0 the phases stay at their initial pattern");
    }

    private sealed class SyncProgress(Action onReport) : IProgress<BilateralNeuro.Training.TrainingProgress>
    {
        public void Report(BilateralNeuro.Training.TrainingProgress value) => onReport();
    }

    [Fact]
    public void Labelfree_row_reports_a_probe_per_hemisphere_and_level()
    {
        TorchRuntime.EnsureLoaded();
        using var data = SyntheticHierarchy.Create(96, seed: 3);
        using var test = SyntheticHierarchy.Create(48, seed: 4);
        var options = Tiny("labelfree");
        options.Training.Bilateral.Stage2.Epochs = 1;
        var r = new BeyondExperiment(options).Run(new ExperimentContext(data, test));
        var m = r.Table.Rows.Single().Metrics;
        m.Should().ContainKeys("left probe fine", "right probe fine", "left probe coarse", "right probe coarse");
        m.Where(kv => kv.Key.Contains(" probe ")).Should().OnlyContain(kv => kv.Value >= 0 && kv.Value <= 1);
        r.Summary.Single().Extra.Should().ContainKey("left probe fine");
    }
}
