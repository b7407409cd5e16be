using System.CommandLine;
using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Cli;

/// <summary>
/// <c>bilateral-neuro train</c>: one ResNet-9 on Fashion-MNIST or CIFAR-100 (fine and coarse heads) with checkpoints in
/// <c>--out/checkpoints</c>. Rerunning the same command after a crash or kill resumes from the last finished epoch.
/// </summary>
public static class TrainCommand
{
    /// <summary>What <c>train</c> runs: the model, the trainer options and the data limit (printed by --dry-run).</summary>
    public sealed record TrainPlan(string Backbone, double Width, int InputChannels, int FineClasses, int CoarseClasses, int? TrainLimit,
        double ValidationFraction, TrainerOptions Trainer, List<int> Seeds);

    public static Command Create()
    {
        var width = new Option<double?>("--width") { Description = "ResNet-9 channel width multiplier in (0, 16] (quick: 0.25, paper: 1).", CustomParser = r => SharedOptions.ParseDouble(r) };
        var limit = new Option<int?>("--train-limit") { Description = "Use only the first N training images.", CustomParser = r => SharedOptions.ParseInt(r) };
        var command = ExperimentRunner.Create("train", "Train a ResNet-9 with fine and coarse heads (Fashion-MNIST 10/4 or CIFAR-100 100/20), one run per seed; resumable (checkpoints in --out/checkpoints). Shards split the seeds. quick: width 0.25, 4 epochs, embedded Fashion-MNIST; paper: width 1, 30 epochs, the full dataset.", ctx =>
        {
            var data = ctx.ResolveData("train", CliData.FashionMnist, CliData.Cifar100);
            bool paper = ctx.Preset != "quick";
            var seeds = ExperimentRunner.ShardSeeds(ctx.Shard, Enumerable.Range(0, ctx.Seeds ?? 1));
            bool cifar = data.Dataset == CliData.Cifar100;
            var trainer = new TrainerOptions
            {
                Epochs = ctx.Epochs ?? (paper ? 30 : 4), LearningRate = 3e-3, Optimizer = OptimizerKind.AdamW, WeightDecay = 5e-4,
                Schedule = LearningRateSchedule.Cosine, ProgressEvery = 1, BatchSize = 128,
            };
            ExperimentRunner.Check(trainer, new TrainerOptionsValidator().Validate(null, trainer));
            var plan = new TrainPlan("ResNet9", ctx.Parse.GetValue(width) ?? (paper ? 1.0 : 0.25), cifar ? 3 : 1, cifar ? 100 : 10, cifar ? 20 : 4,
                ctx.Parse.GetValue(limit), 0.1, trainer, seeds);
            return new ExperimentPlan(plan, data, seeds.Select(s => $"seed {s}").ToList(), run => Run(run, plan)) { AlwaysKeepCheckpoints = true };
        }, width, limit);
        command.Validators.Add(result =>
        {
            if (SharedOptions.Value(result, width) is { } w && !(w > 0 && w <= 16)) result.AddError($"--width: {w} is outside (0, 16]; expected e.g. 0.25 or 1.");
            if (SharedOptions.Value(result, limit) is < 10) result.AddError("--train-limit must be at least 10 (a validation split of 10% is held out).");
        });
        return command;
    }

    private static ExperimentOutput Run(CommandContext ctx, TrainPlan plan)
    {
        var (all, test) = ctx.LoadData();
        if (plan.TrainLimit is { } n) all = all.Take(n);
        var (train, val) = all.SplitValidation(plan.ValidationFraction, seed: 0);
        var norm = ctx.Data.Dataset == CliData.Cifar100 ? Normalization.Cifar100 : Normalization.FashionMnist;
        var table = new ResultTable("train");
        var notes = new List<string>();
        foreach (var seed in plan.Seeds)
        {
            var (metrics, result, parameters) = TrainOne(ctx, plan, norm, train, val, test, seed, ctx.Stage($"seed {seed}"));
            table.Add($"ResNet-9 width {plan.Width}", ctx.Data.Dataset, seed, new Dictionary<string, double>
            {
                ["fine accuracy"] = metrics["fine/accuracy"], ["coarse accuracy"] = metrics["coarse/accuracy"],
                ["parameters"] = parameters, ["epochs"] = result.History.Count,
            });
            notes.Add($"seed {seed}: best validation epoch {result.BestEpoch}; {(result.ResumedFromEpoch > 0 ? $"resumed from epoch {result.ResumedFromEpoch}" : "not resumed")}; figure training-curves-seed{seed}.png");
        }
        return new ExperimentOutput(table, notes, plan.Seeds);
    }

    private static (Dictionary<string, double> Metrics, TrainingResult Result, long Parameters) TrainOne(CommandContext ctx, TrainPlan plan,
        Normalization norm, LabeledImages train, LabeledImages val, LabeledImages test, int seed, IProgress<TrainingProgress> progress)
    {
        BilateralNeuro.Core.Seeding.Seed(seed);
        var model = new TwoHeads(new ResNet9(plan.InputChannels, plan.Width), plan.FineClasses, plan.CoarseClasses);
        model.to(ctx.Device);
        HeadSpec[] heads = [HeadSpec.Classification(LabelLevels.Fine), HeadSpec.Classification(LabelLevels.Coarse, 0.5)];
        var t = plan.Trainer;
        var options = new TrainerOptions
        {
            Epochs = t.Epochs, LearningRate = t.LearningRate, Optimizer = t.Optimizer, WeightDecay = t.WeightDecay,
            Schedule = t.Schedule, BatchSize = t.BatchSize, Seed = seed, CheckpointDirectory = ctx.Journal.UnitDirectory($"seed-{seed}"), ProgressEvery = t.ProgressEvery,
        };
        var result = new Trainer(options, ctx.Logging.CreateLogger<Trainer>()).Fit(model,
            new BatchSource(train, plan.Trainer.BatchSize, ctx.Device, norm, new Augmentation { CropPadding = 2, HorizontalFlip = true }, seed: seed),
            new BatchSource(val, 512, ctx.Device, norm, shuffle: false), heads, progress, ctx.Cancel);
        var metrics = Trainer.Evaluate(model, new BatchSource(test, 512, ctx.Device, norm, shuffle: false), heads);
        var epochs = result.History.Select(h => (double)h.Epoch).ToArray();
        Charts.Lines(Path.Combine(ctx.OutDir, $"training-curves-seed{seed}.png"), $"ResNet-9 on {ctx.Data.Dataset}, seed {seed}", "epoch", "accuracy",
        [
            ("train fine", epochs, result.History.Select(h => h.Train["fine/accuracy"]).ToArray()),
            ("validation fine", epochs, result.History.Select(h => h.Validation["fine/accuracy"]).ToArray()),
            ("validation coarse", epochs, result.History.Select(h => h.Validation["coarse/accuracy"]).ToArray()),
        ]);
        return (metrics, result, model.parameters().Sum(p => p.numel()));
    }

    private sealed class TwoHeads : torch.nn.Module<torch.Tensor, Dictionary<string, torch.Tensor>>
    {
        private readonly ResNet9 backbone;
        private readonly torch.nn.Module<torch.Tensor, torch.Tensor> fine, coarse;

        public TwoHeads(ResNet9 backbone, int fineClasses, int coarseClasses) : base(nameof(TwoHeads))
        {
            this.backbone = backbone;
            fine = torch.nn.Linear(backbone.FeatureSize, fineClasses);
            coarse = torch.nn.Linear(backbone.FeatureSize, coarseClasses);
            RegisterComponents();
        }

        public override Dictionary<string, torch.Tensor> forward(torch.Tensor x)
        {
            var f = backbone.call(x);
            return new() { [LabelLevels.Fine] = fine.call(f), [LabelLevels.Coarse] = coarse.call(f) };
        }
    }
}
