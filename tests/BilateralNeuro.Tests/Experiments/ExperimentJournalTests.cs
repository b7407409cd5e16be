using BilateralNeuro.Tests.Attention;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony.Training;
using BilateralNeuro.Tests.Bilateral;
using FluentAssertions;
using Xunit;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Tests.Experiments;

public sealed class ExperimentJournalTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-journal-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_finished_unit_is_reused_by_a_new_journal_with_the_same_fingerprint()
    {
        var root = Path.Combine(dir, "checkpoints");
        int calls = 0;
        var first = new ExperimentJournal(root, "options A");
        first.Run("seed 0", () => { calls++; return new List<double> { 0.25, double.NaN }; });
        var second = new ExperimentJournal(root, "options A");
        second.Resumed.Should().Be(1);
        var again = second.Run("seed 0", () => { calls++; return new List<double> { 9 }; });
        calls.Should().Be(1, "the second journal must reuse the stored result");
        again[0].Should().Be(0.25);
        double.IsNaN(again[1]).Should().BeTrue("NaN metrics survive the round trip");
        second.CompletedUnits.Should().Equal("seed_0");
    }

    [Fact]
    public void A_journal_written_with_other_options_is_set_aside_not_mixed_in()
    {
        var root = Path.Combine(dir, "checkpoints");
        new ExperimentJournal(root, "options A").Save("seed 0", 1);
        var other = new ExperimentJournal(root, "options B");
        other.Resumed.Should().Be(0);
        other.TryGet("seed 0", out int _).Should().BeFalse();
        Directory.GetDirectories(dir, "checkpoints.other-options-*").Should().ContainSingle("the old journal is moved, not deleted");
    }

    [Fact]
    public void A_corrupt_unit_file_names_the_file()
    {
        var journal = new ExperimentJournal(Path.Combine(dir, "j"), "x");
        File.WriteAllText(Path.Combine(journal.Directory, "seed-1.unit.json"), "{ not json");
        var read = () => journal.TryGet("seed-1", out List<ResultRow> _);
        read.Should().Throw<InvalidDataException>().WithMessage("*seed-1.unit.json*delete it*");
    }

    [Fact]
    public void Bilateral_experiment_resumes_finished_seeds_without_training()
    {
        TorchRuntime.EnsureLoaded();
        using var data = SyntheticHierarchy.Create(96, seed: 3);
        using var test = SyntheticHierarchy.Create(32, seed: 4);
        var options = new BilateralExperimentOptions
        {
            Preset = "test", Width = 0.125, Dropout = 0.2, Seeds = [0], EnsemblePool = 2, EnsembleSizes = [2],
            ResNet18 = false, ResNet34 = false, BilateralEndToEnd = false,
            Training = new BilateralTrainingOptions
            {
                Stage1 = new() { Epochs = 1, LearningRate = 3e-3, WeightDecay = 0, BatchSize = 32 },
                Stage2 = new() { Epochs = 2, LearningRate = 1e-2, WeightDecay = 0, BatchSize = 32 },
                Stage3 = new() { Epochs = 0 },
                EndToEnd = new() { Epochs = 1, LearningRate = 3e-3, WeightDecay = 0, BatchSize = 32 },
                Augmentation = Augmentation.None, Normalization = Normalization.None(1),
            },
        };
        var root = Path.Combine(dir, "bilateral");
        var stages = new List<string>();
        var first = new BilateralExperiment(options).Run(new ExperimentContext(data, test)
        {
            Journal = new ExperimentJournal(root, "tiny"), StageProgress = s => { stages.Add(s); return new Progress<BilateralNeuro.Training.TrainingProgress>(); },
        });
        stages.Should().Contain(s => s.Contains("specialized")).And.Contain(s => s.Contains("unilateral ResNet-9 2/2"));
        Directory.GetDirectories(Path.Combine(root, "units", "seed-0")).Select(Path.GetFileName)
            .Should().Contain(["stage1-left", "stage1-right", "end-to-end-pool-0", "end-to-end-pool-1"], "every trainer run keeps its own epoch checkpoints");

        // A cancelled token makes any training throw at its first step: the rerun must come from the journal alone.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var second = new BilateralExperiment(options).Run(new ExperimentContext(data, test) { Journal = new ExperimentJournal(root, "tiny"), Cancellation = cancelled.Token });
        second.Table.Rows.Select(r => (r.Model, r.Metrics.GetValueOrDefault("fine accuracy", -1))).Should().Equal(first.Table.Rows.Select(r => (r.Model, r.Metrics.GetValueOrDefault("fine accuracy", -1))));
    }
}

public sealed class PaperExperimentResumeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-resume-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static CancellationToken Cancelled()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source.Token;
    }

    [Fact]
    public void Synchrony_experiment_resumes_finished_models_and_seeds_without_training()
    {
        TorchRuntime.EnsureLoaded();
        using var train = MultiObjectComposer.SyntheticDigits(40, seed: 1);
        using var test = MultiObjectComposer.SyntheticDigits(20, seed: 2);
        var options = new SynchronyExperimentOptions
        {
            TrainImages = 48, TestImages = 8, Steps = 2, KernelSize = 3, Seeds = 1,
            Models = [SynchronyModel.Real, SynchronyModel.KomplexNet],
            Training = new SynchronyTrainingOptions { Epochs = 1, BatchSize = 16, LearningRate = 3e-3 },
        };
        var stages = new List<string>();
        var first = new SynchronyExperiment(options).Run(new ExperimentContext(train, test)
        {
            Journal = new ExperimentJournal(dir, "tiny"), StageProgress = s => { stages.Add(s); return new Progress<BilateralNeuro.Training.TrainingProgress>(); },
        });
        stages.Should().Equal("Real seed 0", "KomplexNet seed 0");
        var second = new SynchronyExperiment(options).Run(new ExperimentContext(train, test) { Cancellation = Cancelled(), Journal = new ExperimentJournal(dir, "tiny") });
        second.Rows.Select(r => (r.Model, r.Condition, r.ExactMatch, r.F1)).Should().Equal(first.Rows.Select(r => (r.Model, r.Condition, r.ExactMatch, r.F1)));
        second.ParameterCounts.Should().BeEquivalentTo(first.ParameterCounts);
    }

    [Fact]
    public void Face_attention_experiment_resumes_finished_models_without_training()
    {
        TorchRuntime.EnsureLoaded();
        var o = FaceAttentionExperimentTests.Tiny();
        var first = new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()) { Journal = new ExperimentJournal(dir, "tiny") });
        var second = new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()) { Journal = new ExperimentJournal(dir, "tiny"), Cancellation = Cancelled() });
        second.Results.Select(r => (r.Seed, r.Model, r.TransferAccuracy, r.Curve(FaceOcclusion.None)!.U))
            .Should().Equal(first.Results.Select(r => (r.Seed, r.Model, r.TransferAccuracy, r.Curve(FaceOcclusion.None)!.U)));
        second.Table.Rows.Should().HaveCount(first.Table.Rows.Count);
    }
}
