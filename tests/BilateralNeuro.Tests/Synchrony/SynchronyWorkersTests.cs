using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using BilateralNeuro.Tests.Support;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace BilateralNeuro.Tests.Synchrony;

/// <summary>
/// The parallel synchrony run (<see cref="SynchronyWorkers"/> over <see cref="ExperimentWorkers"/>): two worker
/// processes (the CLI's assembly from this test's output folder) give the sequential run's rows, results.csv text and
/// phase map at one LibTorch thread, units go Kuramoto models first, and the CLI's --workers gives the same
/// results.csv as --workers 1 --threads 1.
/// </summary>
public class SynchronyWorkersTests(ITestOutputHelper output)
{
    // The sample's --synthetic --train 40 --test 16 --steps 2 --kernel 3 --seeds 2 --models Real,KomplexNet --epochs 1 --batch 8.
    private static SynchronyExperimentOptions Tiny(string? phaseMaps = null) => new()
    {
        TrainImages = 40, TestImages = 16, Steps = 2, KernelSize = 3, Seeds = 2, Models = [SynchronyModel.Real, SynchronyModel.KomplexNet],
        Training = new() { Epochs = 1, BatchSize = 8, LearningRate = 2e-3 }, PhaseMapDirectory = phaseMaps,
    };

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static ProcessStartInfo Host() => new("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "bilateral-neuro.dll") } };

    [Fact]
    public void Two_workers_give_the_sequential_runs_rows_and_phase_map_with_one_torch_thread_each()
    {
        TorchRuntime.EnsureLoaded();
        int before = TorchRuntime.Threads;
        var root = Directory.CreateTempSubdirectory("synchrony-workers-test-").FullName;
        try
        {
            TorchRuntime.SetThreads(1);
            var (train, test) = SynchronyWorkers.LoadDigits(SynchronyWorkers.Synthetic);
            using (train)
            using (test)
            {
                var seqOptions = Tiny(Path.Combine(root, "sequential"));
                Directory.CreateDirectory(seqOptions.PhaseMapDirectory!);
                var sequential = new SynchronyExperiment(seqOptions).Run(new ExperimentContext(train, test));

                var parOptions = Tiny(Path.Combine(root, "parallel"));
                Directory.CreateDirectory(parOptions.PhaseMapDirectory!);
                var lines = new ConcurrentQueue<string>();
                var parallel = SynchronyWorkers.Run(parOptions, SynchronyWorkers.Synthetic, null, 2,
                    journal => new SynchronyExperiment(parOptions).Run(new ExperimentContext(train, test) { Journal = journal }), lines.Enqueue, Host());
                foreach (var l in lines) output.WriteLine(l);
                output.WriteLine($"worker peaks: {string.Join(", ", parallel.WorkerPeakKb.Select(k => $"{k / 1024} MB"))}");

                var p = parallel.Result;
                sequential.Rows.Should().HaveCount(2 * 6, "two models x six test conditions");
                p.Table.ToCsv().Should().Be(sequential.Table.ToCsv(), "every unit seeds its own generators, so the process that runs it does not matter");
                p.Rows.Select(r => (r.Model, r.Condition)).Should().Equal(sequential.Rows.Select(r => (r.Model, r.Condition)), "rows come back in the sequential order");
                for (int i = 0; i < p.Rows.Count; i++)
                {
                    p.Rows[i].ExactMatchBySeed.Should().Equal(sequential.Rows[i].ExactMatchBySeed);
                    p.Rows[i].ExactMatchPerStep.Should().Equal(sequential.Rows[i].ExactMatchPerStep);
                    JsonSerializer.Serialize(p.Rows[i] with { ExactMatchPerStep = [], ExactMatchBySeed = null }, Json)
                        .Should().Be(JsonSerializer.Serialize(sequential.Rows[i] with { ExactMatchPerStep = [], ExactMatchBySeed = null }, Json), "the row is the same to the last bit (NaN too)");
                }
                p.ParameterCounts.Should().Equal(sequential.ParameterCounts);
                p.Figures.Select(Path.GetFileName).Should().Equal(sequential.Figures.Select(Path.GetFileName)).And.Equal("phases-KomplexNet-data.png");
                File.ReadAllBytes(p.Figures[0]).Should().Equal(File.ReadAllBytes(sequential.Figures[0]), "seed 0's phase map is written by the worker that ran it");

                lines.Where(l => l.Contains("worker process", StringComparison.Ordinal)).Should().HaveCount(2)
                    .And.OnlyContain(l => l.EndsWith(" 1 LibTorch thread(s)", StringComparison.Ordinal), "a worker sets one intra-op thread");
                lines.Should().Contain(l => l.StartsWith("w1 ", StringComparison.Ordinal) && l.Contains(": done in ", StringComparison.Ordinal))
                    .And.Contain(l => l.StartsWith("w2 ", StringComparison.Ordinal) && l.Contains(": done in ", StringComparison.Ordinal), "both workers ran units");
                lines.Where(l => l.Contains(": started", StringComparison.Ordinal)).Select(l => l[3..]).Take(2)
                    .Should().BeEquivalentTo(["KomplexNet seed 0: started", "KomplexNet seed 1: started"], "the Kuramoto units go out first");
                parallel.WorkerPeakKb.Should().HaveCount(2).And.OnlyContain(k => k > 0 && k < 1024L * 1024, "a tiny run's worker holds one small network and a few MB of data");
            }
        }
        finally
        {
            TorchRuntime.SetThreads(before);
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Units_go_Kuramoto_models_first_follow_only_seeds_and_bad_arguments_are_named()
    {
        var o = Tiny();
        o.Models = [SynchronyModel.Real, SynchronyModel.IdealPhases, SynchronyModel.KomplexNet, SynchronyModel.RandomPhases, SynchronyModel.KomplexNetFeedback];
        SynchronyWorkers.Units(o).Should().Equal(
            (SynchronyModel.KomplexNetFeedback, 0), (SynchronyModel.KomplexNetFeedback, 1), (SynchronyModel.KomplexNet, 0), (SynchronyModel.KomplexNet, 1),
            (SynchronyModel.IdealPhases, 0), (SynchronyModel.IdealPhases, 1), (SynchronyModel.RandomPhases, 0), (SynchronyModel.RandomPhases, 1),
            (SynchronyModel.Real, 0), (SynchronyModel.Real, 1));
        o.Seeds = 3;
        o.OnlySeeds = [2];
        SynchronyWorkers.Units(o).Select(SynchronyWorkers.UnitLine).Should().Equal("KomplexNetFeedback 2", "KomplexNet 2", "IdealPhases 2", "RandomPhases 2", "Real 2");

        FluentActions.Invoking(() => SynchronyWorkers.Run(Tiny(), SynchronyWorkers.Synthetic, null, 1, _ => 0)).Should().Throw<ArgumentException>().WithMessage("*workers must be at least 2 (got 1)*");
        FluentActions.Invoking(() => SynchronyWorkers.Run(Tiny(), "cifar", null, 2, _ => 0)).Should().Throw<ArgumentException>().WithMessage("*digits 'cifar' are unknown; expected mnist, fashion-mnist or synthetic*");
        var bad = Tiny();
        bad.Seeds = 0;
        FluentActions.Invoking(() => SynchronyWorkers.Run(bad, SynchronyWorkers.Synthetic, null, 2, _ => 0)).Should().Throw<ArgumentException>().WithMessage("*Seeds*");
    }

    [Fact]
    public void A_worker_that_fails_gives_one_message_naming_the_worker_and_the_problem()
    {
        // One unit caps the pool at one worker process; the synchrony session refuses a line that is no unit.
        var job = new WorkerJob(SynchronyWorkers.Experiment, "{\"Experiment\":{},\"Digits\":\"synthetic\"}", ["Nope 0"]);
        FluentActions.Invoking(() => ExperimentWorkers.Run(job, 2, _ => 0, command: Host())).Should().Throw<InvalidOperationException>()
            .WithMessage("synchrony workers: worker 1: FormatException: expected a unit 'model seed' (e.g. 'KomplexNet 0'), got 'Nope 0'");
        FluentActions.Invoking(() => ExperimentWorkers.Run(job with { Units = ["KomplexNet 0\nReal 0"] }, 2, _ => 0)).Should().Throw<ArgumentException>()
            .WithMessage("*a unit must be one non-empty line*");
        ExperimentWorkers.FolderVariable("face-attention").Should().Be(FaceAttentionWorkers.FolderVariable, "face attention's protocol is unchanged");
        ExperimentWorkers.ThreadsVariable("face-attention").Should().Be(FaceAttentionWorkers.ThreadsVariable);
    }

    [Fact]
    public void Workers_change_no_fingerprint_and_bad_worker_counts_are_one_line_errors()
    {
        CliTestHooks.Fingerprint(["synchrony", "--workers", "2", "--out", "/tmp/a"]).Should().Be(CliTestHooks.Fingerprint(["synchrony", "--out", "/tmp/a"]));
        var units = DryRunUnits("synchrony", "--workers", "2", "--seeds", "2");
        units.Should().Contain("workers: 2 processes, 1 LibTorch thread(s) each; units handed out KomplexNet, RandomPhases, IdealPhases, Real (Kuramoto models first)");
        DryRunUnits("synchrony", "--workers", "1").Should().Contain("workers: 1 (the sequential run in this process)");
        DryRunUnits("synchrony", "--workers", "9", "--seeds", "1", "--models", "Real,KomplexNet").Should().Contain(u => u.StartsWith("workers: 2 processes", StringComparison.Ordinal), "never more workers than units");

        var zero = CliProcess.Run(["synchrony", "--workers", "0", "--dry-run"]);
        zero.ExitCode.Should().Be(2);
        zero.ErrorLines.Should().ContainSingle().Which.Should().Contain("--workers must be at least 1 (got 0)");
        var tb = CliProcess.Run(["synchrony", "--workers", "2", "--tensorboard", Path.GetTempPath(), "--dry-run"]);
        tb.ExitCode.Should().Be(2);
        tb.ErrorLines.Should().ContainSingle().Which.Should().Contain("use --workers 1 with --tensorboard");
    }

    private static List<string> DryRunUnits(params string[] args)
    {
        var r = CliProcess.Run([.. args, "--dry-run"]);
        r.ExitCode.Should().Be(0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("Units").EnumerateArray().Select(u => u.GetString()!).ToList();
    }

    [Fact]
    public void The_cli_with_two_workers_writes_the_results_csv_of_one_process_at_one_thread()
    {
        var root = Directory.CreateTempSubdirectory("synchrony-workers-cli-").FullName;
        try
        {
            string[] tiny = ["synchrony", "--train", "40", "--test", "16", "--steps", "2", "--kernel", "3", "--seeds", "2", "--models", "Real,KomplexNet", "--epochs", "1", "--batch", "8", "--json"];
            var parallel = CliProcess.Run([.. tiny, "--workers", "2", "--out", Path.Combine(root, "parallel")]);
            parallel.ExitCode.Should().Be(0, parallel.Stderr);
            var sequential = CliProcess.Run([.. tiny, "--workers", "1", "--threads", "1", "--out", Path.Combine(root, "sequential")]);
            sequential.ExitCode.Should().Be(0, sequential.Stderr);
            output.WriteLine(parallel.Stdout);
            foreach (var file in new[] { "results.csv", "per-seed.csv" })
                File.ReadAllText(Path.Combine(root, "parallel", file)).Should().Be(File.ReadAllText(Path.Combine(root, "sequential", file)), $"{file} does not depend on the worker processes");
            File.ReadAllBytes(Path.Combine(root, "parallel", "phase-maps", "phases-KomplexNet-data.png"))
                .Should().Equal(File.ReadAllBytes(Path.Combine(root, "sequential", "phase-maps", "phases-KomplexNet-data.png")));
            parallel.Stdout.Should().Contain("workers: 2 processes, 1 LibTorch thread(s) each; peak RSS");
            Directory.Exists(Path.Combine(root, "parallel", "checkpoints")).Should().BeFalse("the shared journal is OUT/checkpoints, deleted after success like a sequential run's");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
