using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Tests.Support;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Tests.Training;

/// <summary>The engine's hooks: cached sources, parameter groups, selection, callbacks, label checks, prediction.</summary>
public sealed class EngineTests : IDisposable
{
    private readonly LabeledImages data = Synthetic.Quadrants(96, seed: 2);

    [Fact]
    public void Labels_beyond_a_head_size_fail_before_training_naming_head_level_max_and_size()
    {
        torch.manual_seed(1);
        using var tenClasses = data.WithLabels("digit", torch.arange(96, dtype: ScalarType.Int64).remainder(10));
        using var model = new SingleHead(nn.Sequential(nn.Flatten(), nn.Linear(144, 5)), "digit");
        var before = model.parameters().Select(p => p.clone()).ToList();
        var act = () => new Trainer(new TrainerOptions { Epochs = 1 }).Fit(model, new BatchSource(tenClasses, 32), null, [HeadSpec.Classification("digit")]);
        act.Should().Throw<ArgumentException>()
            .WithMessage("*head 'digit' has 5 classes*label level 'digit'*up to*9*expected 0 to 4*");
        model.parameters().Zip(before).All(p => p.First.eq(p.Second).all().item<bool>()).Should().BeTrue("nothing may be trained before the check");

        // A stated head size is checked without a forward pass too.
        var stated = () => new Trainer(new TrainerOptions { Epochs = 1 }).Fit(model, new BatchSource(tenClasses, 32), null, [HeadSpec.Classification("digit", classes: 5)]);
        stated.Should().Throw<ArgumentException>().WithMessage("*'digit' has 5 classes*9*");
    }

    [Fact]
    public void Cached_source_run_with_two_parameter_groups_equals_a_hand_written_loop()
    {
        const int seed = 4, epochs = 3, batch = 16;
        torch.manual_seed(3);
        var features = torch.randn(70, 6);
        var labels = torch.randint(0, 3, [70], dtype: ScalarType.Int64);
        using var cache = new CachedSource("features", new Dictionary<string, Tensor> { ["x"] = features.clone() }, new Dictionary<string, Tensor> { ["y"] = labels.clone() });
        torch.manual_seed(5);
        using var engineModel = nn.Linear(6, 3);
        using var handModel = nn.Linear(6, 3);
        handModel.load_state_dict(engineModel.state_dict());

        // Engine: weight by Adam with L2 decay, bias by plain SGD, clipping over both.
        var options = new TrainerOptions { Epochs = epochs, Seed = seed, GradientClipNorm = 0.5 };
        var adam = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-2, WeightDecay = 1e-3 };
        var sgd = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.5 };
        var steps = new List<StepReport>();
        var epochsSeen = new List<EpochMetrics>();
        var result = new Trainer(options).Fit(new TrainingRun
        {
            Model = engineModel,
            Objective = new HeadObjective(b => new Dictionary<string, Tensor> { ["y"] = engineModel.call(b.Images) }, [new HeadSpec("y", "y") { Classes = 3 }]),
            Train = cache.Batched(batch, shuffle: true, seed: seed),
            Groups = [new("weight", [engineModel.weight!], adam), new("bias", [engineModel.bias!], sgd)],
            Callbacks = [new TrainingCallback(steps.Add, epochsSeen.Add)],
        });

        // The same maths written by hand: the order of epoch e is Random(StableSeed(seed, e, 0x5eed)).
        using var o1 = optim.Adam([handModel.weight!], 1e-2, weight_decay: 1e-3);
        using var o2 = optim.SGD([handModel.bias!], 0.1, momentum: 0.5);
        var losses = new List<double>();
        for (int e = 1; e <= epochs; e++)
        {
            var order = Enumerable.Range(0, 70).Select(i => (long)i).ToArray();
            new Random(StableSeed.Of(seed, e, 0x5eed)).Shuffle(order);
            double sum = 0;
            for (int start = 0; start < 70; start += batch)
            {
                using var scope = NewDisposeScope();
                var idx = torch.tensor(order[start..Math.Min(70, start + batch)]);
                var loss = F.cross_entropy(handModel.call(features.index_select(0, idx)), labels.index_select(0, idx)) * 1.0;
                o1.zero_grad();
                o2.zero_grad();
                float value = loss.item<float>();
                loss.backward();
                nn.utils.clip_grad_norm_(handModel.parameters(), 0.5);
                o1.step();
                o2.step();
                sum += value * idx.shape[0];
            }
            losses.Add(sum / 70);
        }

        foreach (var (k, v) in engineModel.state_dict())
            v.eq(handModel.state_dict()[k]).all().item<bool>().Should().BeTrue($"{k} must equal the hand loop's bit for bit");
        result.History.Select(h => h.TrainLoss).Should().Equal(losses);
        steps.Should().HaveCount(epochs * 5);
        steps.Should().AllSatisfy(s => s.Metrics.Should().ContainKey("y/accuracy"));
        epochsSeen.Select(e => e.Epoch).Should().Equal(1, 2, 3);
        result.BestEpoch.Should().Be(epochs, "without validation the last epoch is kept");
    }

    [Fact]
    public void Checkpoints_of_two_parameter_groups_resume_exactly()
    {
        var dir = Directory.CreateTempSubdirectory("bn-engine-").FullName;
        try
        {
            TrainingResult Run(int epochs, string ck, nn.Module<Tensor, Dictionary<string, Tensor>> model)
            {
                var body = model.named_parameters().Where(p => !p.name.StartsWith("coarse", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
                var coarse = model.named_parameters().Where(p => p.name.StartsWith("coarse", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
                var (train, val) = data.SplitValidation(0.25, 1);
                return new Trainer(new TrainerOptions { Epochs = epochs, Seed = 2, CheckpointDirectory = ck }).Fit(new TrainingRun
                {
                    Model = model,
                    Objective = new HeadObjective(model, [HeadSpec.Classification("fine", classes: 4), HeadSpec.Classification("coarse", classes: 2)]),
                    Train = new BatchSource(train, 16, seed: 2),
                    Validation = new BatchSource(val, 32, shuffle: false),
                    Groups = [new("body", body, new OptimizerSettings { LearningRate = 5e-3 }), new("coarse", coarse, new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 })],
                    Selection = Selection.Metric("fine/accuracy+coarse/accuracy"),
                });
            }

            torch.manual_seed(7);
            using var straight = new TinyNet(dropout: 0.3);
            var full = Run(4, Path.Combine(dir, "a"), straight);
            torch.manual_seed(7);
            using var interrupted = new TinyNet(dropout: 0.3);
            Run(2, Path.Combine(dir, "b"), interrupted);
            torch.manual_seed(999);
            using var resumedModel = new TinyNet(dropout: 0.3);
            var resumed = Run(4, Path.Combine(dir, "b"), resumedModel);

            resumed.ResumedFromEpoch.Should().Be(2);
            resumed.SelectionMetric.Should().Be("fine/accuracy+coarse/accuracy");
            resumed.BestEpoch.Should().Be(full.BestEpoch);
            resumed.History.Select(h => h.TrainLoss).Should().Equal(full.History.Select(h => h.TrainLoss));
            foreach (var (k, v) in straight.state_dict())
                v.eq(resumedModel.state_dict()[k]).all().item<bool>().Should().BeTrue($"{k} must match exactly");
            var best = full.History.MaxBy(h => h.Validation["fine/accuracy"] + h.Validation["coarse/accuracy"])!;
            full.BestEpoch.Should().Be(best.Epoch, "the selection is the sum of both accuracies (first maximum)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Stop_target_ends_the_run_at_the_first_epoch_that_reaches_it_and_a_resume_trains_no_further()
    {
        var dir = Directory.CreateTempSubdirectory("bn-stop-").FullName;
        try
        {
            var (train, val) = data.SplitValidation(0.25, 1);
            using var _train = train;
            using var _val = val;
            TrainingResult Run(int epochs, double? target, nn.Module<Tensor, Dictionary<string, Tensor>> model, string? ck = null)
            {
                var selection = Selection.Metric("fine/accuracy");
                return new Trainer(new TrainerOptions { Epochs = epochs, Seed = 3, LearningRate = 5e-3, CheckpointDirectory = ck }).Fit(new TrainingRun
                {
                    Model = model,
                    Objective = new HeadObjective(model, [HeadSpec.Classification("fine", classes: 4)]),
                    Train = new BatchSource(train, 16, seed: 3),
                    Validation = new BatchSource(val, 32, shuffle: false),
                    Selection = target is { } t ? selection.StopAt(t) : selection,
                });
            }

            torch.manual_seed(11);
            using var free = new TinyNet();
            var all = Run(8, null, free);
            all.History.Should().HaveCount(8);
            // a target the free run first reaches at some epoch k < 8: the stopped run ends exactly there
            var accuracies = all.History.Select(h => h.Validation["fine/accuracy"]).ToList();
            double target = accuracies.Take(7).Max();
            int k = accuracies.FindIndex(a => a >= target) + 1;
            torch.manual_seed(11);
            using var stopped = new TinyNet();
            var early = Run(8, target, stopped, Path.Combine(dir, "a"));
            early.History.Should().HaveCount(k, "the run stops after the first epoch whose validation accuracy reaches the target");
            early.BestEpoch.Should().Be(k);
            early.History.Select(h => h.TrainLoss).Should().Equal(all.History.Take(k).Select(h => h.TrainLoss), "stopping changes nothing before the stop");

            torch.manual_seed(99);
            using var resumedModel = new TinyNet();
            var resumed = Run(8, target, resumedModel, Path.Combine(dir, "a"));
            resumed.ResumedFromEpoch.Should().Be(k);
            resumed.History.Should().HaveCount(k, "a run that had reached its target trains no further when resumed");
            FluentActions.Invoking(() => Selection.Metric("fine/accuracy").StopAt(double.NaN)).Should().Throw<ArgumentOutOfRangeException>();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Prediction_needs_an_ordered_source_and_concatenates_in_order()
    {
        torch.manual_seed(1);
        using var model = new TinyNet();
        var shuffled = () => Trainer.Predict(model, new BatchSource(data, 32, shuffle: true));
        shuffled.Should().Throw<ArgumentException>().WithMessage("*shuffles*shuffle: false*");
        var outputs = Trainer.Predict(model, new BatchSource(data, 40, shuffle: false));
        outputs["fine"].shape.Should().Equal(96, 4);
        model.eval();
        using (no_grad())
        {
            var direct = model.call(data.Images[TensorIndex.Slice(50, 60)].to(ScalarType.Float32).div(255f))["fine"];
            direct.allclose(outputs["fine"][TensorIndex.Slice(50, 60)], 1e-5, 1e-6).Should().BeTrue();
        }
    }

    [Fact]
    public void Unknown_selection_metric_is_named_with_the_metrics_available()
    {
        var s = Selection.Metric("fine/accuracy+species/accuracy");
        var act = () => s.Score(new Dictionary<string, double> { ["fine/accuracy"] = 0.5, ["loss"] = 1 });
        act.Should().Throw<InvalidOperationException>().WithMessage("*'species/accuracy'*fine/accuracy, loss*");
        Selection.Metric("a+b").Score(new Dictionary<string, double> { ["a"] = 0.25, ["b"] = 0.5 }).Should().Be(0.75);
    }

    public void Dispose() => data.Dispose();
}
