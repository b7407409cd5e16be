using System.Collections.Concurrent;
using System.Diagnostics;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using BilateralNeuro.Tests.Support;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace BilateralNeuro.Tests.Attention;

/// <summary>
/// The parallel face-attention run (<see cref="FaceAttentionWorkers"/>): two worker processes (the CLI's assembly from
/// this test's output folder, which calls <see cref="FaceAttentionWorkers.ServeIfWorker"/> first) give exactly the
/// results.csv rows of the sequential run at the same LibTorch thread count (1), each worker runs one LibTorch thread,
/// and each worker's peak resident memory is pinned.
/// </summary>
public class FaceAttentionWorkersTests(ITestOutputHelper output)
{
    private static FaceAttentionExperimentOptions TinyWithObjects()
    {
        var o = FaceAttentionExperimentTests.Tiny();
        o.Pretrainings = [FacePretraining.Object, FacePretraining.Face, FacePretraining.RandomInit];
        o.ObjectImages = 100;
        o.Models = ["AlexNet", "FE-AlexNet", "VGG11"];
        return o;
    }

    [Fact]
    public void Two_workers_give_the_sequential_runs_results_rows_with_one_torch_thread_each()
    {
        TorchRuntime.EnsureLoaded();
        int before = TorchRuntime.Threads;
        var o = TinyWithObjects();
        try
        {
            TorchRuntime.SetThreads(1);
            var sequential = new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()));
            var host = new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "bilateral-neuro.dll") } };
            var lines = new ConcurrentQueue<string>();
            var parallel = FaceAttentionWorkers.Run(o, 2, lines.Enqueue, host);
            foreach (var l in lines) output.WriteLine(l);
            output.WriteLine($"worker peaks: {string.Join(", ", parallel.WorkerPeakKb.Select(k => $"{k / 1024} MB"))}");

            sequential.Results.Should().HaveCount(2 * 3 * 3, "two seeds x three pre-trainings x three models");
            parallel.Report.Table.ToCsv().Should().Be(sequential.Table.ToCsv(), "every unit seeds its own generator, so the process that runs it does not matter");
            parallel.Report.Results.Select(r => (r.Seed, r.Pretraining, r.Model)).Should().Equal(sequential.Results.Select(r => (r.Seed, r.Pretraining, r.Model)), "results come back in the sequential order");
            lines.Where(l => l.Contains("worker process", StringComparison.Ordinal)).Should().HaveCount(2)
                .And.OnlyContain(l => l.EndsWith(" 1 LibTorch thread(s)", StringComparison.Ordinal), "a worker sets one intra-op thread");
            lines.Should().Contain(l => l.StartsWith("w1 seed", StringComparison.Ordinal)).And.Contain(l => l.StartsWith("w2 seed", StringComparison.Ordinal), "both workers ran units");
            parallel.WorkerPeakKb.Should().HaveCount(2).And.OnlyContain(k => k > 0 && k < 1024L * 1024, "a tiny run's worker holds one small network and a few MB of data");
            parallel.ParentPeakKb.Should().BePositive();
            parallel.WorkerPeakKb.Sum().Should().BeLessThan(2048L * 1024, "the two workers together stay inside the 2 GB budget");
        }
        finally
        {
            TorchRuntime.SetThreads(before);
        }
    }

    [Fact]
    public void The_cli_command_plans_its_workers_like_the_sample_and_refuses_what_workers_cannot_do()
    {
        // Planning only (no training): the units --dry-run lists, the fingerprint, and the one-line refusals.
        string[] Args(params string[] extra) => ["face-attention", "--seeds", "2", "--out", "/tmp/face-cli-workers", .. extra];
        CliTestHooks.Units(Args("--workers", "2")).Should().Contain(u => u.StartsWith("workers: 2 processes, 1 LibTorch thread(s) each", StringComparison.Ordinal));
        CliTestHooks.Units(Args("--workers", "9")).Should().Contain(u => u.StartsWith("workers: 9 processes", StringComparison.Ordinal), "2 seeds x (objects, faces) + 2 seeds x 4 random-init backbones = 12 units");
        CliTestHooks.Units(Args("--workers", "20")).Should().Contain(u => u.StartsWith("workers: 12 processes", StringComparison.Ordinal), "never more workers than units");
        CliTestHooks.Units(Args("--workers", "1")).Should().Contain("workers: 1 (the sequential run in this process)");
        CliTestHooks.Fingerprint(Args("--workers", "2")).Should().Be(CliTestHooks.Fingerprint(Args("--workers", "1")), "--workers is output-only");
        FluentActions.Invoking(() => CliTestHooks.Units(Args("--workers", "0"))).Should().Throw<ArgumentException>().WithMessage("--workers must be at least 1 (got 0).");
        FluentActions.Invoking(() => CliTestHooks.Units(Args("--workers", "2", "--tensorboard", "/tmp/face-cli-tb"))).Should().Throw<ArgumentException>().WithMessage("*use --workers 1 with --tensorboard*");
        FluentActions.Invoking(() => CliTestHooks.Units(Args("--workers", "2", "--dataset", "fashion-mnist", "--data-dir", "embedded"))).Should().Throw<ArgumentException>().WithMessage("*worker processes load the experiment's own object set*");
    }

    [Fact]
    public void Units_go_longest_first_and_bad_arguments_are_named()
    {
        var o = TinyWithObjects();
        FaceAttentionWorkers.Units(o).Select(u => u.Line).Should().Equal("1 Object", "2 Object", "1 Face", "2 Face",
            "1 RandomInit AlexNet", "1 RandomInit VGG11", "2 RandomInit AlexNet", "2 RandomInit VGG11");
        FaceAttentionUnit.Parse("2 RandomInit VGG11").Should().Be(new FaceAttentionUnit(2, FacePretraining.RandomInit, "VGG11"));
        FaceAttentionUnit.Parse("1 Object").Should().Be(new FaceAttentionUnit(1, FacePretraining.Object, null));
        FluentActions.Invoking(() => FaceAttentionUnit.Parse("Object 1")).Should().Throw<FormatException>().WithMessage("*expected a unit 'seed pre-training [backbone]'*got 'Object 1'*");
        FluentActions.Invoking(() => FaceAttentionWorkers.Run(o, 1)).Should().Throw<ArgumentException>().WithMessage("*workers must be at least 2 (got 1)*");
        o.PretrainPerSeed = false;
        FluentActions.Invoking(() => FaceAttentionWorkers.Run(o, 2)).Should().Throw<ArgumentException>().WithMessage("*PretrainPerSeed must be true*");
    }
}
