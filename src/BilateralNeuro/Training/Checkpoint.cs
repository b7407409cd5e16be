using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>Trainer state stored beside the weights in a checkpoint.</summary>
public sealed record CheckpointState(int Epoch, double LearningRate, int BestEpoch, double BestScore,
    List<EpochMetrics> History, int SkippedBatches, int RollBacks);

/// <summary>
/// Checkpoint files: magic, JSON trainer state, model weights, optimiser state (one block per parameter group's
/// optimiser) and torch RNG state, then a SHA-256 of everything before it. Files of a single optimiser keep the
/// original format (<c>BNCKPT01</c>); several optimisers write <c>BNCKPT02</c> with a count. Written to a temporary file, flushed to disk, then renamed over the target; the previous
/// checkpoint is kept as <c>.prev</c> and used when the newest is corrupt or partial.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = "BNCKPT01"u8.ToArray();
    private static readonly byte[] MagicGroups = "BNCKPT02"u8.ToArray();

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string path, CheckpointState state, nn.Module model, OptimizerHelper optimizer) =>
        Save(path, state, model, [optimizer]);

    // The best score is -Infinity until an epoch is validated (TrainerOptions.ValidateEvery > 1) and metrics may be NaN.
    private static readonly JsonSerializerOptions StateJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes a checkpoint of a model trained by several optimisers (one per parameter group) atomically.</summary>
    public static void Save(string path, CheckpointState state, nn.Module model, IReadOnlyList<OptimizerHelper> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        if (optimizers.Count == 0) throw new ArgumentException("Checkpoint: at least one optimiser is required.", nameof(optimizers));
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(optimizers.Count == 1 ? Magic : MagicGroups);
            if (optimizers.Count > 1) w.Write(optimizers.Count);
            WriteBlock(w, JsonSerializer.SerializeToUtf8Bytes(state, StateJson));
            WriteBlock(w, Serialize(bw => model.save(bw)));
            foreach (var optimizer in optimizers) WriteBlock(w, Serialize(bw => optimizer.save_state_dict(bw)));
            using var rng = torch.get_rng_state();
            WriteBlock(w, rng.bytes.ToArray());
        }
        var hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        if (File.Exists(path)) File.Copy(path, path + ".prev", overwrite: true);
        AtomicFile.Write(path, s => { s.Write(body.GetBuffer(), 0, (int)body.Length); s.Write(hash); });
    }

    /// <summary>
    /// Loads the newest valid checkpoint (the file, else its <c>.prev</c>) into the model and optimiser; returns null
    /// when neither exists. Corrupt files are reported through <paramref name="onCorrupt"/> and skipped.
    /// </summary>
    public static CheckpointState? TryLoad(string path, nn.Module model, OptimizerHelper optimizer, Action<string>? onCorrupt = null) =>
        TryLoad(path, model, [optimizer], onCorrupt);

    /// <summary>As <see cref="TryLoad(string, nn.Module, OptimizerHelper, Action{string}?)"/> for several optimisers (one per parameter group).</summary>
    public static CheckpointState? TryLoad(string path, nn.Module model, IReadOnlyList<OptimizerHelper> optimizers, Action<string>? onCorrupt = null)
    {
        foreach (var candidate in new[] { path, path + ".prev" })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                return Load(candidate, model, optimizers);
            }
            catch (InvalidDataException e)
            {
                onCorrupt?.Invoke(e.Message);
            }
        }
        return null;
    }

    /// <summary>Loads one checkpoint file, verifying its checksum first.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, not a checkpoint, or fails its checksum.</exception>
    public static CheckpointState Load(string path, nn.Module model, OptimizerHelper optimizer) => Load(path, model, [optimizer]);

    /// <summary>Loads one checkpoint file of a model trained by several optimisers, verifying its checksum first.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, not a checkpoint, fails its checksum, or holds a different number of optimisers.</exception>
    public static CheckpointState Load(string path, nn.Module model, IReadOnlyList<OptimizerHelper> optimizers)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        var bytes = File.ReadAllBytes(path);
        bool single = bytes.Length >= Magic.Length + 32 && bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic);
        bool groups = bytes.Length >= MagicGroups.Length + 36 && bytes.AsSpan(0, MagicGroups.Length).SequenceEqual(MagicGroups);
        if (!single && !groups)
            throw new InvalidDataException($"{path}: not a BilateralNeuro checkpoint (bad magic or only {bytes.Length} bytes).");
        var expected = bytes.AsSpan(bytes.Length - 32);
        var actual = SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32));
        if (!expected.SequenceEqual(actual))
            throw new InvalidDataException($"{path}: checkpoint checksum mismatch (file corrupt or partially written).");
        using var r = new BinaryReader(new MemoryStream(bytes, Magic.Length, bytes.Length - 32 - Magic.Length));
        int count = single ? 1 : r.ReadInt32();
        if (count != optimizers.Count)
            throw new InvalidDataException($"{path}: the checkpoint holds {count} optimiser state(s) but the run has {optimizers.Count} parameter group(s).");
        var state = JsonSerializer.Deserialize<CheckpointState>(ReadBlock(r, path), StateJson)
            ?? throw new InvalidDataException($"{path}: empty trainer state.");
        using (var ms = new BinaryReader(new MemoryStream(ReadBlock(r, path)))) model.load(ms);
        foreach (var optimizer in optimizers)
            using (var ms = new BinaryReader(new MemoryStream(ReadBlock(r, path)))) optimizer.load_state_dict(ms);
        var rng = ReadBlock(r, path);
        using var rngTensor = torch.tensor(rng, ScalarType.Byte);
        torch.set_rng_state(rngTensor);
        return state;
    }

    private static byte[] Serialize(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var bw = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) write(bw);
        return ms.ToArray();
    }

    private static void WriteBlock(BinaryWriter w, byte[] data)
    {
        w.Write((long)data.Length);
        w.Write(data);
    }

    private static byte[] ReadBlock(BinaryReader r, string path)
    {
        long len = r.ReadInt64();
        if (len < 0 || len > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"{path}: block of {len} bytes at offset {r.BaseStream.Position} exceeds the file.");
        return r.ReadBytes((int)len);
    }
}

/// <summary>Writes files atomically: temporary file in the same folder, flush to disk, rename.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with the given writer.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes text atomically (UTF-8).</summary>
    public static void WriteText(string path, string text) => Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
}
