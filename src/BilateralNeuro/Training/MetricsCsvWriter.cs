using System.Globalization;
using System.Text;

namespace BilateralNeuro.Training;

/// <summary>
/// Writes training metrics as two CSV files a spreadsheet or pandas opens directly, appending as reports arrive:
/// <c>metrics-steps.csv</c> (<c>stage,epoch,step,steps,loss,accuracy</c>: the running mean loss and first-head
/// accuracy of the epoch so far, at every progress report) and <c>metrics-epochs.csv</c>
/// (<c>stage,epoch,split,metric,value</c>, long format: learning rate, training loss, every training and validation
/// metric, duration). One writer serves many training runs: <see cref="For"/> hands each run (stage) its own
/// <see cref="IProgress{T}"/>, e.g. <c>new Trainer(...).Fit(..., progress: csv.For("seed 0"))</c>. Thread-safe.
/// </summary>
public sealed class MetricsCsvWriter
{
    /// <summary>File name of the per-step metrics.</summary>
    public const string StepsFile = "metrics-steps.csv";
    /// <summary>File name of the per-epoch metrics.</summary>
    public const string EpochsFile = "metrics-epochs.csv";

    private readonly object gate = new();
    private readonly Dictionary<string, (int Epoch, int Step)> lastStep = new(StringComparer.Ordinal);

    /// <summary>Creates the writer; the files are created (with a header) in <paramref name="directory"/> on the first report.</summary>
    /// <param name="directory">Folder of the CSV files (created if missing).</param>
    /// <param name="append">Keep rows already in the files (a resumed run); otherwise the files start empty.</param>
    /// <exception cref="ArgumentException">The directory is empty.</exception>
    public MetricsCsvWriter(string directory, bool append = false)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw new ArgumentException("MetricsCsvWriter: the directory is empty.", nameof(directory));
        Directory = Path.GetFullPath(directory);
        if (!append)
            foreach (var f in new[] { StepsPath, EpochsPath })
                if (File.Exists(f)) File.Delete(f);
    }

    /// <summary>The folder of the CSV files.</summary>
    public string Directory { get; }

    /// <summary>Full path of <see cref="StepsFile"/>.</summary>
    public string StepsPath => Path.Combine(Directory, StepsFile);

    /// <summary>Full path of <see cref="EpochsFile"/>.</summary>
    public string EpochsPath => Path.Combine(Directory, EpochsFile);

    /// <summary>A progress sink for one training run, its rows labelled <paramref name="stage"/>.</summary>
    public IProgress<TrainingProgress> For(string stage) => new Sink(this, stage);

    /// <summary>Appends the rows of one report.</summary>
    public void Write(string stage, TrainingProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        lock (gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            // The epoch-end report repeats the last step's numbers when that step was already reported.
            if (!lastStep.TryGetValue(stage, out var last) || last != (p.Epoch, p.Step))
                Append(StepsPath, "stage,epoch,step,steps,loss,accuracy",
                    $"{Csv(stage)},{p.Epoch},{p.Step},{p.Steps},{Num(p.Loss)},{Num(p.Accuracy)}\n");
            lastStep[stage] = (p.Epoch, p.Step);
            if (p.EpochEnd is not { } e) return;
            var sb = new StringBuilder();
            void Row(string split, string metric, double value) => sb.Append($"{Csv(stage)},{e.Epoch},{split},{Csv(metric)},{Num(value)}\n");
            Row("train", "learning_rate", e.LearningRate);
            if (!e.Train.ContainsKey("loss")) Row("train", "loss", e.TrainLoss);
            foreach (var kv in e.Train) Row("train", kv.Key, kv.Value);
            foreach (var kv in e.Validation) Row("validation", kv.Key, kv.Value);
            Row("train", "seconds", e.Duration.TotalSeconds);
            Append(EpochsPath, "stage,epoch,split,metric,value", sb.ToString());
        }
    }

    private static void Append(string path, string header, string rows)
    {
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        File.AppendAllText(path, (fresh ? header + "\n" : "") + rows);
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private sealed class Sink(MetricsCsvWriter writer, string stage) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => writer.Write(stage, value);
    }
}
