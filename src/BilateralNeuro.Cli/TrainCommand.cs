using System.CommandLine;
using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace BilateralNeuro.Cli;

/// <summary>
/// <c>bilateral-neuro train</c>: one ResNet-9 on Fashion-MNIST (fine and coarse heads) with checkpoints in
/// <c>--out/checkpoints</c>. Rerunning the same command after a crash or kill resumes from the last finished epoch.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var width = new Option<double>("--width") { Description = "ResNet-9 channel width multiplier.", DefaultValueFactory = _ => 0.25 };
        var limit = new Option<int?>("--train-limit") { Description = "Use only the first N training images." };
        return ExperimentRunner.Create("train", "Train a ResNet-9 with fine and coarse heads on Fashion-MNIST, one run per seed; resumable (checkpoints in --out/checkpoints). Shards split the seeds.", ctx =>
        {
            var (all, test) = Datasets.FashionMnist(ctx.DataDir ?? DataLocator.EmbeddedKeyword, ctx.Logging.CreateLogger("data"));
            if (ctx.Parse.GetValue(limit) is { } n) all = all.Take(n);
            var (train, val) = all.SplitValidation(0.1, seed: 0);
            var seeds = ExperimentRunner.ShardSeeds(ctx.Shard, Enumerable.Range(0, ctx.Seeds ?? 1));
            var table = new ResultTable("train");
            var notes = new List<string>();
            foreach (var seed in seeds)
            {
                var (metrics, result, parameters) = TrainOne(ctx, train, val, test, seed, ctx.Parse.GetValue(width), ctx.Stage($"seed {seed}"));
                table.Add($"ResNet-9 width {ctx.Parse.GetValue(width)}", "-", seed, new Dictionary<string, double>
                {
                    ["fine accuracy"] = metrics["fine/accuracy"], ["coarse accuracy"] = metrics["coarse/accuracy"],
                    ["parameters"] = parameters, ["epochs"] = result.History.Count, ["resumed from epoch"] = result.ResumedFromEpoch,
                });
                notes.Add($"seed {seed}: best validation epoch {result.BestEpoch}; resumed from epoch {result.ResumedFromEpoch}; figure training-curves-seed{seed}.png");
            }
            return new ExperimentOutput(table, notes, seeds);
        }, width, limit);
    }

    private static (Dictionary<string, double> Metrics, TrainingResult Result, long Parameters) TrainOne(ExperimentContext ctx,
        LabeledImages train, LabeledImages val, LabeledImages test, int seed, double width, IProgress<TrainingProgress> progress)
    {
        BilateralNeuro.Core.Seeding.Seed(seed);
        var model = new TwoHeads(new ResNet9(1, width));
        model.to(ctx.Device);
        var norm = Normalization.FashionMnist;
        HeadSpec[] heads = [HeadSpec.Classification(LabelLevels.Fine), HeadSpec.Classification(LabelLevels.Coarse, 0.5)];
        var options = new TrainerOptions
        {
            Epochs = ctx.Epochs ?? 4, LearningRate = 3e-3, Optimizer = OptimizerKind.AdamW, WeightDecay = 5e-4,
            Schedule = LearningRateSchedule.Cosine, Seed = seed, CheckpointDirectory = Path.Combine(ctx.OutDir, "checkpoints", $"seed-{seed}"), ProgressEvery = 1,
        };
        var result = new Trainer(options, ctx.Logging.CreateLogger<Trainer>()).Fit(model,
            new BatchSource(train, 128, ctx.Device, norm, new Augmentation { CropPadding = 2, HorizontalFlip = true }, seed: seed),
            new BatchSource(val, 512, ctx.Device, norm, shuffle: false), heads, progress, ctx.Cancel);
        var metrics = Trainer.Evaluate(model, new BatchSource(test, 512, ctx.Device, norm, shuffle: false), heads);
        var epochs = result.History.Select(h => (double)h.Epoch).ToArray();
        Charts.Lines(Path.Combine(ctx.OutDir, $"training-curves-seed{seed}.png"), $"ResNet-9 on Fashion-MNIST, seed {seed}", "epoch", "accuracy",
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

        public TwoHeads(ResNet9 backbone) : base(nameof(TwoHeads))
        {
            this.backbone = backbone;
            fine = torch.nn.Linear(backbone.FeatureSize, 10);
            coarse = torch.nn.Linear(backbone.FeatureSize, 4);
            RegisterComponents();
        }

        public override Dictionary<string, torch.Tensor> forward(torch.Tensor x)
        {
            var f = backbone.call(x);
            return new() { [LabelLevels.Fine] = fine.call(f), [LabelLevels.Coarse] = coarse.call(f) };
        }
    }
}
