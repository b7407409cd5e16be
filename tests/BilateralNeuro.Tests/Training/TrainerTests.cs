using BilateralNeuro.Data;
using BilateralNeuro.Tests.Support;
using BilateralNeuro.Training;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private static readonly HeadSpec[] Heads = [HeadSpec.Classification("fine"), HeadSpec.Classification("coarse", 0.5)];
    private readonly string dir = Directory.CreateTempSubdirectory("bn-trainer-").FullName;
    private readonly LabeledImages data = Synthetic.Quadrants(320);

    private (BatchSource Train, BatchSource Val) Sources(int seed = 0)
    {
        var (train, val) = data.SplitValidation(0.25, seed);
        return (new BatchSource(train, 32, seed: seed), new BatchSource(val, 64, shuffle: false));
    }

    [Fact]
    public void Fit_learns_both_heads_and_reports_per_head_metrics()
    {
        torch.manual_seed(1);
        using var model = new TinyNet();
        var (train, val) = Sources();
        var result = new Trainer(new TrainerOptions { Epochs = 6, LearningRate = 1e-2 }).Fit(model, train, val, Heads);

        result.History.Should().HaveCount(6);
        result.History[^1].TrainLoss.Should().BeLessThan(result.History[0].TrainLoss);
        result.BestValidation["fine/accuracy"].Should().BeGreaterThan(0.9);
        result.BestValidation["coarse/accuracy"].Should().BeGreaterThan(0.9);
        result.SelectionMetric.Should().Be("fine/accuracy");
    }

    [Fact]
    public void Invalid_options_list_every_problem()
    {
        var act = () => new Trainer(new TrainerOptions { Epochs = 0, LearningRate = -1, BatchSize = 0 });
        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().HaveCount(3).And.Contain(f => f.Contains("Epochs")).And.Contain(f => f.Contains("LearningRate"));
    }

    [Theory]
    [InlineData(5, 2, new[] { 2, 4, 5 })]
    [InlineData(4, 2, new[] { 2, 4 })]
    [InlineData(3, 5, new[] { 3 })]
    [InlineData(3, 1, new[] { 1, 2, 3 })]
    public void Validate_every_n_epochs_scores_only_those_epochs_and_the_last(int epochs, int every, int[] validated)
    {
        torch.manual_seed(1);
        using var model = new TinyNet();
        var (train, val) = Sources();
        // With a checkpoint folder: the epoch checkpoints hold a best score of -infinity until the first validation.
        var options = new TrainerOptions { Epochs = epochs, LearningRate = 1e-2, ValidateEvery = every, CheckpointDirectory = Path.Combine(dir, $"every-{epochs}-{every}") };
        var result = new Trainer(options).Fit(model, train, val, Heads);

        result.History.Should().HaveCount(epochs, "every epoch trains");
        result.History.Where(h => h.Validation.Count > 0).Select(h => h.Epoch).Should().Equal(validated);
        validated.Should().Contain(result.BestEpoch, "only validated epochs can be selected");
        result.BestValidation.Should().ContainKey("fine/accuracy");
    }

    [Fact]
    public void Validate_every_below_1_is_refused()
    {
        var act = () => new Trainer(new TrainerOptions { ValidateEvery = 0 });
        act.Should().Throw<OptionsValidationException>().WithMessage("*ValidateEvery must be at least 1 (got 0)*");
    }

    [Fact]
    public void Missing_label_level_is_named()
    {
        using var model = new TinyNet();
        var (train, _) = Sources();
        var act = () => new Trainer(new TrainerOptions { Epochs = 1 }).Fit(model, train, null, [new HeadSpec("fine", "species")]);
        act.Should().Throw<ArgumentException>().WithMessage("*'species'*fine, coarse*");
    }

    [Fact]
    public void Resume_after_a_stop_gives_the_same_metrics_and_weights_as_an_uninterrupted_run()
    {
        var options = (int epochs, string ck) => new TrainerOptions { Epochs = epochs, LearningRate = 5e-3, CheckpointDirectory = ck, Seed = 3 };

        torch.manual_seed(7);
        using var straight = new TinyNet(dropout: 0.3);
        var (t1, v1) = Sources(3);
        var full = new Trainer(options(4, Path.Combine(dir, "a"))).Fit(straight, t1, v1, Heads);

        torch.manual_seed(7);
        using var interrupted = new TinyNet(dropout: 0.3);
        var (t2, v2) = Sources(3);
        new Trainer(options(2, Path.Combine(dir, "b"))).Fit(interrupted, t2, v2, Heads);
        torch.manual_seed(12345);   // a different process state before resuming
        using var resumedModel = new TinyNet(dropout: 0.3);
        var resumed = new Trainer(options(4, Path.Combine(dir, "b"))).Fit(resumedModel, t2, v2, Heads);

        resumed.ResumedFromEpoch.Should().Be(2);
        resumed.History.Select(h => h.TrainLoss).Should().Equal(full.History.Select(h => h.TrainLoss));
        resumed.History.Select(h => h.Validation["fine/accuracy"]).Should().Equal(full.History.Select(h => h.Validation["fine/accuracy"]));
        foreach (var (k, v) in straight.state_dict())
            Same(v, resumedModel.state_dict()[k]).Should().BeTrue($"parameter {k} should match exactly");
    }

    [Fact]
    public void Corrupt_newest_checkpoint_falls_back_to_the_previous_one()
    {
        torch.manual_seed(1);
        using var model = new TinyNet();
        var (train, val) = Sources();
        var ck = Path.Combine(dir, "c");
        new Trainer(new TrainerOptions { Epochs = 3, CheckpointDirectory = ck }).Fit(model, train, val, Heads);
        var path = Path.Combine(ck, "checkpoint.bnck");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);   // a partial write

        using var fresh = new TinyNet();
        var resumed = new Trainer(new TrainerOptions { Epochs = 3, CheckpointDirectory = ck }).Fit(fresh, train, val, Heads);

        resumed.ResumedFromEpoch.Should().Be(2, "the .prev checkpoint holds epoch 2");
        resumed.History.Should().HaveCount(3);
    }

    [Fact]
    public void Steps_leak_no_tensors()
    {
        torch.manual_seed(1);
        using var model = new TinyNet();
        var (train, val) = Sources();
        var live = new List<long>();
        var progress = new SyncProgress(p => { if (p.EpochEnd is not null) live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount); });
        new Trainer(new TrainerOptions { Epochs = 5 }).Fit(model, train, val, Heads, progress);

        live.Should().HaveCount(5);
        live.Skip(1).Should().AllSatisfy(n => n.Should().Be(live[1]), "live tensors must not grow from epoch to epoch (8 steps each)");
    }

    [Fact]
    public void Cancellation_stops_mid_epoch_and_the_last_epoch_checkpoint_resumes()
    {
        torch.manual_seed(1);
        using var model = new TinyNet();
        var (train, val) = Sources();
        var ck = Path.Combine(dir, "cancel");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Epoch == 2 && p.Step == 3) cts.Cancel(); });
        var act = () => new Trainer(new TrainerOptions { Epochs = 4, CheckpointDirectory = ck, ProgressEvery = 1 }).Fit(model, train, val, Heads, progress, cts.Token);
        act.Should().Throw<OperationCanceledException>();

        using var again = new TinyNet();
        var resumed = new Trainer(new TrainerOptions { Epochs = 4, CheckpointDirectory = ck }).Fit(again, train, val, Heads);
        resumed.ResumedFromEpoch.Should().Be(1, "only the unfinished epoch 2 is lost");
        resumed.History.Select(h => h.Epoch).Should().Equal(1, 2, 3, 4);
    }

    [Theory]
    [InlineData(NonFinitePolicy.SkipBatch)]
    [InlineData(NonFinitePolicy.RollBack)]
    [InlineData(NonFinitePolicy.Stop)]
    public void Non_finite_loss_follows_the_policy(NonFinitePolicy policy)
    {
        torch.manual_seed(1);
        using var model = new PoisonAt(new TinyNet(), poisonCall: 3);
        var (train, val) = Sources();
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, NonFinite = policy });
        if (policy == NonFinitePolicy.Stop)
        {
            var act = () => trainer.Fit(model, train, val, Heads);
            act.Should().Throw<NonFiniteLossException>().Where(e => e.Epoch == 1 && e.Step == 3);
            return;
        }
        var result = trainer.Fit(model, train, val, Heads);
        (policy == NonFinitePolicy.SkipBatch ? result.SkippedBatches : result.RollBacks).Should().Be(1);
        result.History[^1].LearningRate.Should().Be(policy == NonFinitePolicy.RollBack ? 5e-4 : 1e-3);
        model.parameters().All(p => torch.isfinite(p).all().item<bool>()).Should().BeTrue();
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    /// <summary>Returns NaN logits on one training call.</summary>
    private sealed class PoisonAt : nn.Module<Tensor, Dictionary<string, Tensor>>
    {
        private readonly TinyNet inner;
        private readonly int poisonCall;
        private int calls;

        public PoisonAt(TinyNet inner, int poisonCall) : base(nameof(PoisonAt))
        {
            this.inner = inner;
            this.poisonCall = poisonCall;
            RegisterComponents();
        }

        public override Dictionary<string, Tensor> forward(Tensor input)
        {
            var outputs = inner.call(input);
            if (training && ++calls == poisonCall) outputs["fine"] = outputs["fine"] * float.NaN;
            return outputs;
        }
    }
}
