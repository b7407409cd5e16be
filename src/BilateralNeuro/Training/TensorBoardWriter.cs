using TorchSharp;
using TorchSharp.Modules;

namespace BilateralNeuro.Training;

/// <summary>
/// Writes training progress as TensorBoard event files (TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>):
/// one run folder per training run (stage) under <see cref="Directory"/>, with scalars <c>step/loss</c> and
/// <c>step/accuracy</c> at every report (x = global step) and, at every epoch end, <c>epoch/train_loss</c>,
/// <c>epoch/learning_rate</c>, <c>train/&lt;metric&gt;</c> and <c>validation/&lt;metric&gt;</c> (x = epoch).
/// Open with <c>tensorboard --logdir DIR</c>. Thread-safe.
/// </summary>
public sealed class TensorBoardWriter
{
    private readonly object gate = new();
    private readonly Dictionary<string, SummaryWriter> writers = new(StringComparer.Ordinal);

    /// <summary>Creates the writer; run folders are created on the first report of each stage.</summary>
    /// <param name="directory">The log directory (TensorBoard's <c>--logdir</c>).</param>
    /// <exception cref="ArgumentException">The directory is empty.</exception>
    public TensorBoardWriter(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw new ArgumentException("TensorBoardWriter: the directory is empty.", nameof(directory));
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The log directory.</summary>
    public string Directory { get; }

    /// <summary>A progress sink for one training run, written to its own run folder named after <paramref name="stage"/>.</summary>
    public IProgress<TrainingProgress> For(string stage) => new Sink(this, stage);

    /// <summary>Writes the scalars of one report.</summary>
    public void Write(string stage, TrainingProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        lock (gate)
        {
            if (!writers.TryGetValue(stage, out var w))
            {
                var folder = Path.Combine(Directory, Core.FileNames.Slug(stage));
                System.IO.Directory.CreateDirectory(folder);
                writers[stage] = w = torch.utils.tensorboard.SummaryWriter(folder, createRunName: false);
            }
            int globalStep = (p.Epoch - 1) * p.Steps + p.Step;
            w.add_scalar("step/loss", (float)p.Loss, globalStep);
            w.add_scalar("step/accuracy", (float)p.Accuracy, globalStep);
            if (p.EpochEnd is not { } e) return;
            w.add_scalar("epoch/train_loss", (float)e.TrainLoss, e.Epoch);
            w.add_scalar("epoch/learning_rate", (float)e.LearningRate, e.Epoch);
            foreach (var kv in e.Train) w.add_scalar($"train/{kv.Key}", (float)kv.Value, e.Epoch);
            foreach (var kv in e.Validation) w.add_scalar($"validation/{kv.Key}", (float)kv.Value, e.Epoch);
        }
    }

    private sealed class Sink(TensorBoardWriter writer, string stage) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => writer.Write(stage, value);
    }
}
