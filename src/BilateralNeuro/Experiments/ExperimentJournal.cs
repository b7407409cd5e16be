using System.Text.Json;
using System.Text.Json.Serialization;
using BilateralNeuro.Core;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BilateralNeuro.Experiments;

/// <summary>
/// The completed units of an experiment's sweep (a seed, a model, a pressure setting...), kept on disk so that a run
/// stopped by Ctrl+C, a crash or a scheduler's time limit resumes where it stopped when started again with the same
/// options. Every unit's result is written atomically as JSON when the unit finishes; units still running can keep
/// finer-grained trainer checkpoints under <see cref="UnitDirectory"/>. The journal is tied to a fingerprint of the
/// experiment's options: a journal written with other options is set aside (renamed), never mixed in.
/// </summary>
public sealed class ExperimentJournal
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly ILogger logger;

    /// <summary>Opens (or creates) the journal in <paramref name="directory"/> for the options described by <paramref name="fingerprint"/>.</summary>
    /// <param name="directory">Folder of the journal, e.g. <c>OUT/checkpoints</c>.</param>
    /// <param name="fingerprint">Any text that changes when the results would change: options, dataset, shard.</param>
    /// <param name="logger">Receives resume and set-aside messages.</param>
    /// <exception cref="ArgumentException">The directory or fingerprint is empty.</exception>
    public ExperimentJournal(string directory, string fingerprint, ILogger? logger = null)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw new ArgumentException("ExperimentJournal: the directory is empty.", nameof(directory));
        if (string.IsNullOrEmpty(fingerprint)) throw new ArgumentException("ExperimentJournal: the fingerprint is empty.", nameof(fingerprint));
        Directory = Path.GetFullPath(directory);
        Fingerprint = fingerprint;
        this.logger = logger ?? NullLogger.Instance;
        string stamp = Path.Combine(Directory, "fingerprint.txt");
        if (File.Exists(stamp) && File.ReadAllText(stamp) != fingerprint)
        {
            string aside = $"{Directory}.other-options-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            System.IO.Directory.Move(Directory, aside);
            this.logger.LogWarning("The checkpoints in {Directory} were written with other options; moved them to {Aside} and starting afresh", Directory, aside);
        }
        System.IO.Directory.CreateDirectory(Directory);
        if (!File.Exists(stamp)) AtomicFile.WriteText(stamp, fingerprint);
        Resumed = CompletedUnits.Count;
        if (Resumed > 0) this.logger.LogInformation("Resuming: {Count} completed units found in {Directory}", Resumed, Directory);
    }

    /// <summary>The journal's folder.</summary>
    public string Directory { get; }

    /// <summary>The fingerprint the journal is tied to (worker processes open the same journal with it).</summary>
    public string Fingerprint { get; }

    /// <summary>How many completed units were on disk when the journal was opened.</summary>
    public int Resumed { get; }

    /// <summary>Names of the units whose results are on disk.</summary>
    public IReadOnlyList<string> CompletedUnits => System.IO.Directory.EnumerateFiles(Directory, "*.unit.json")
        .Select(f => Path.GetFileName(f)[..^".unit.json".Length]).Order(StringComparer.Ordinal).ToList();

    /// <summary>The stored result of <paramref name="unit"/>, if it finished in an earlier run.</summary>
    /// <exception cref="InvalidDataException">The stored file exists but is not valid JSON of type <typeparamref name="T"/>.</exception>
    public bool TryGet<T>(string unit, out T value)
    {
        string path = UnitFile(unit);
        value = default!;
        if (!File.Exists(path)) return false;
        try
        {
            value = JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"ExperimentJournal: {path} holds null.");
            return true;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"ExperimentJournal: {path} is not a valid result of unit '{unit}' ({e.Message}); delete it to rerun that unit.", e);
        }
    }

    /// <summary>Stores the result of <paramref name="unit"/> atomically.</summary>
    public void Save<T>(string unit, T value) => AtomicFile.WriteText(UnitFile(unit), JsonSerializer.Serialize(value, Json));

    /// <summary>Returns the stored result of <paramref name="unit"/>, or runs <paramref name="work"/> and stores its result.</summary>
    public T Run<T>(string unit, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (TryGet(unit, out T stored))
        {
            logger.LogInformation("Unit '{Unit}' finished in an earlier run; reusing its result", unit);
            return stored;
        }
        var value = work();
        Save(unit, value);
        return value;
    }

    /// <summary>A folder for the unit's own checkpoints (e.g. <see cref="TrainerOptions.CheckpointDirectory"/>).</summary>
    public string UnitDirectory(string unit) => Path.Combine(Directory, "units", Slug(unit));

    /// <summary>Deletes the journal (call after the run's results are written, unless checkpoints should be kept).</summary>
    public void Delete()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string UnitFile(string unit) => Path.Combine(Directory, Slug(unit) + ".unit.json");

    private static string Slug(string unit) => FileNames.Slug(unit);
}
