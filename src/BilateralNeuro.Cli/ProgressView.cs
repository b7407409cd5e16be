using BilateralNeuro.Training;
using Spectre.Console;

namespace BilateralNeuro.Cli;

/// <summary>
/// Shows training progress: a Spectre.Console progress bar (stage, epoch, step, loss, accuracy, ETA) on a terminal,
/// plain lines when stdout is redirected or --json is given.
/// </summary>
public sealed class ProgressView
{
    private readonly bool plain;

    public ProgressView(bool json) => plain = json || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>
    /// Runs <paramref name="work"/>, handing it a progress sink per stage (a bar each on a terminal; finished bars are
    /// removed and leave a one-line summary above the live bars).
    /// </summary>
    public T Run<T>(Func<Func<string, IProgress<TrainingProgress>>, T> work)
    {
        if (plain)
            return work(stage => new PlainProgress(stage));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                BarProgress? previous = null;
                result = work(stage =>
                {
                    previous?.Finish();
                    return previous = new BarProgress(ctx.AddTask(Markup.Escape(stage)), stage, this);
                });
                previous?.Finish();
            });
        return result;
    }

    /// <summary>Writes a status line: above the live bars on a terminal, to standard error otherwise.</summary>
    public void Line(string text)
    {
        lock (gate)
        {
            if (plain) Console.Error.WriteLine(text);
            else AnsiConsole.MarkupLine(Markup.Escape(text));
        }
    }

    private readonly object gate = new();

    private sealed class PlainProgress(string stage) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.EpochEnd is { } e)
                Console.Error.WriteLine($"[{stage}] epoch {p.Epoch}/{p.Epochs} loss {e.TrainLoss:F4} " +
                    string.Join(" ", e.Validation.Where(kv => kv.Key.EndsWith("accuracy")).Select(kv => $"val {kv.Key} {kv.Value:P1}")) + $" ({e.Duration.TotalSeconds:F1}s)");
        }
    }

    private sealed class BarProgress(ProgressTask task, string stage, ProgressView view) : IProgress<TrainingProgress>
    {
        private TrainingProgress? last;
        private bool finished;

        /// <summary>Completes the bar and leaves its last state as a line.</summary>
        public void Finish()
        {
            if (finished) return;
            finished = true;
            task.Value = task.MaxValue;
            task.StopTask();
            if (last is { } p)
                view.Line($"  done: {stage} · epoch {p.Epoch}/{p.Epochs} · loss {p.Loss:F3} · train acc {p.Accuracy:P1}");
        }

        public void Report(TrainingProgress p)
        {
            last = p;
            task.MaxValue = p.Epochs * (double)p.Steps;
            task.Value = (p.Epoch - 1) * (double)p.Steps + p.Step;
            task.Description = Markup.Escape($"{stage} · epoch {p.Epoch}/{p.Epochs} · step {p.Step}/{p.Steps} · loss {p.Loss:F3} · acc {p.Accuracy:P1}");
        }
    }
}
