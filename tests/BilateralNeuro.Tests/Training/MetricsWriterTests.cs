using BilateralNeuro.Training;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Training;

public sealed class MetricsWriterTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-metrics-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static IEnumerable<TrainingProgress> Reports()
    {
        var epoch = new EpochMetrics(1, 1e-3, 0.75, new Dictionary<string, double> { ["fine/accuracy"] = 0.5 },
            new Dictionary<string, double> { ["fine/accuracy"] = 0.4, ["fine/loss"] = 0.9 }, TimeSpan.FromSeconds(2));
        yield return new TrainingProgress(1, 2, 1, 2, 1.0, 0.25, null);
        yield return new TrainingProgress(1, 2, 2, 2, 0.75, 0.5, null);
        yield return new TrainingProgress(1, 2, 2, 2, 0.75, 0.5, epoch);   // epoch end repeats the last step
    }

    [Fact]
    public void Csv_writer_writes_one_row_per_step_and_long_format_epoch_rows()
    {
        var csv = new MetricsCsvWriter(dir);
        var sink = csv.For("seed 0, stage 1");
        foreach (var r in Reports()) sink.Report(r);
        var steps = File.ReadAllLines(csv.StepsPath);
        steps.Should().Equal("stage,epoch,step,steps,loss,accuracy", "\"seed 0, stage 1\",1,1,2,1,0.25", "\"seed 0, stage 1\",1,2,2,0.75,0.5");
        var epochs = File.ReadAllLines(csv.EpochsPath);
        epochs[0].Should().Be("stage,epoch,split,metric,value");
        epochs.Should().Contain("\"seed 0, stage 1\",1,validation,fine/accuracy,0.4").And.Contain("\"seed 0, stage 1\",1,train,loss,0.75")
            .And.Contain("\"seed 0, stage 1\",1,train,learning_rate,0.001");
        new MetricsCsvWriter(dir, append: true).For("s").Report(Reports().First());
        File.ReadAllLines(csv.StepsPath).Should().HaveCount(4, "append keeps earlier rows");
        new MetricsCsvWriter(dir).For("s").Report(Reports().First());
        File.ReadAllLines(csv.StepsPath).Should().HaveCount(2, "a fresh writer starts a fresh file");
    }

    [Fact]
    public void TensorBoard_writer_writes_an_event_file_per_stage()
    {
        var tb = new TensorBoardWriter(dir);
        foreach (var r in Reports()) tb.For("seed 0").Report(r);
        tb.For("seed 1").Report(Reports().First());
        var files = Directory.GetFiles(dir, "events.out.tfevents.*", SearchOption.AllDirectories);
        files.Select(f => Path.GetFileName(Path.GetDirectoryName(f))).Distinct().Should().HaveCount(2);
        files.Should().OnlyContain(f => new FileInfo(f).Length > 0);
        files.Select(File.ReadAllBytes).Max(b => b.AsSpan().IndexOf("validation/fine/accuracy"u8)).Should().BeGreaterThan(0, "the epoch-end scalars are in the event file");
    }

    [Fact]
    public void Library_records_print_readably()
    {
        var e = Reports().Last().EpochEnd!;
        e.ToString().Should().Be("epoch 1: lr 0.001, train loss 0.7500, train fine/accuracy 0.5, val fine/accuracy 0.4, val fine/loss 0.9 (2.0 s)");
        Reports().First().ToString().Should().Be("epoch 1/2 step 1/2: loss 1.0000, accuracy 25.0%");
        new BilateralNeuro.Resources.ResourceReport([8, 7, 0], 15, 2, 2.5).ToString()
            .Should().Be("breadth 15 channels, depth 2 layers (channels per layer 8, 7, 0), time 2.50 steps");
        BilateralNeuro.Cli.ExperimentCommands.Format(new BilateralNeuro.Analysis.CorrelationResult(0.4567, 0.0123, 300))
            .Should().Be("rho 0.457 (p 0.0123, n 300)");
        new BilateralNeuro.Analysis.CorrelationResult(-0.1364, 0.0002, 6000).ToString().Should().Be("r = -0.136, p = 0.0002 (n = 6000)");
    }
}
