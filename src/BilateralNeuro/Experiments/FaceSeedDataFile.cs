using System.Security.Cryptography;
using System.Text;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Experiments;

/// <summary>
/// One seed's rendered valence sets and morphs of the face-attention experiment in one file, so the units of a run
/// (worker processes included) that share the seed render its faces once: magic, the sets (name, source, uint8
/// images, labels, class names), the morphs (occlusion, levels, images), then a SHA-256 of everything before it.
/// Written atomically; a missing, partial or corrupt file reads as absent (the caller renders again). The images
/// are uint8 and the labels int64, so a read gives back exactly the tensors that were written.
/// </summary>
internal static class FaceSeedDataFile
{
    private static readonly byte[] Magic = "BNFACE01"u8.ToArray();

    public static void Write(string path, IReadOnlyList<LabeledImages> sets, IReadOnlyList<MorphContinuum> morphs)
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(sets.Count);
            foreach (var s in sets) WriteSet(w, s);
            w.Write(morphs.Count);
            foreach (var m in morphs)
            {
                w.Write((int)m.Occlusion);
                w.Write(m.Levels.Length);
                foreach (var l in m.Levels) w.Write(l);
                WriteSet(w, m.Images);
            }
        }
        var hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        AtomicFile.Write(path, s => { s.Write(body.GetBuffer(), 0, (int)body.Length); s.Write(hash); });
    }

    /// <summary>The sets and morphs in the file, or null when it is missing or unusable.</summary>
    public static (List<LabeledImages> Sets, List<MorphContinuum> Morphs)? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException) { return null; }
        if (bytes.Length < Magic.Length + 32) return null;
        int bodyLength = bytes.Length - 32;
        if (!SHA256.HashData(bytes.AsSpan(0, bodyLength)).AsSpan().SequenceEqual(bytes.AsSpan(bodyLength))) return null;
        var sets = new List<LabeledImages>();
        var morphs = new List<MorphContinuum>();
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, bodyLength, writable: false), Encoding.UTF8);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) return null;
            int n = r.ReadInt32();
            for (int i = 0; i < n; i++) sets.Add(ReadSet(r));
            int m = r.ReadInt32();
            for (int i = 0; i < m; i++)
            {
                var occlusion = (FaceOcclusion)r.ReadInt32();
                var levels = new double[r.ReadInt32()];
                for (int j = 0; j < levels.Length; j++) levels[j] = r.ReadDouble();
                morphs.Add(new MorphContinuum(ReadSet(r), levels, occlusion));
            }
            return (sets, morphs);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidDataException)
        {
            foreach (var s in sets) s.Dispose();
            foreach (var c in morphs) c.Dispose();
            return null;
        }
    }

    private static void WriteSet(BinaryWriter w, LabeledImages set)
    {
        w.Write(set.Name);
        w.Write(set.Source);
        WriteTensor(w, set.Images);
        w.Write(set.Labels.Count);
        foreach (var (level, t) in set.Labels)
        {
            w.Write(level);
            WriteTensor(w, t);
        }
        w.Write(set.ClassNames.Count);
        foreach (var (level, names) in set.ClassNames)
        {
            w.Write(level);
            w.Write(names.Count);
            foreach (var name in names) w.Write(name);
        }
    }

    private static LabeledImages ReadSet(BinaryReader r)
    {
        string name = r.ReadString(), source = r.ReadString();
        var images = ReadTensor(r);
        var labels = new Dictionary<string, Tensor>();
        int n = r.ReadInt32();
        for (int i = 0; i < n; i++) labels[r.ReadString()] = ReadTensor(r);
        var classNames = new Dictionary<string, IReadOnlyList<string>>();
        int c = r.ReadInt32();
        for (int i = 0; i < c; i++)
        {
            string level = r.ReadString();
            var names = new string[r.ReadInt32()];
            for (int j = 0; j < names.Length; j++) names[j] = r.ReadString();
            classNames[level] = names;
        }
        return new LabeledImages(name, images, labels, classNames, source);
    }

    private static void WriteTensor(BinaryWriter w, Tensor t)
    {
        using var c = t.cpu().contiguous();
        w.Write((int)c.dtype);
        w.Write(c.shape.Length);
        foreach (var d in c.shape) w.Write(d);
        var data = c.bytes;
        w.Write(data.Length);
        w.Write(data);
    }

    private static Tensor ReadTensor(BinaryReader r)
    {
        var dtype = (ScalarType)r.ReadInt32();
        var shape = new long[r.ReadInt32()];
        for (int i = 0; i < shape.Length; i++) shape[i] = r.ReadInt64();
        var data = r.ReadBytes(r.ReadInt32());
        var t = torch.empty(shape, dtype);
        if (t.NumberOfElements * t.ElementSize != data.Length)
        {
            t.Dispose();
            throw new InvalidDataException($"FaceSeedDataFile: {data.Length} bytes for a {dtype} tensor of shape [{string.Join(", ", shape)}].");
        }
        t.bytes = data;
        return t;
    }
}
