using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// Reads CIFAR-100 in either of its distributed versions:
/// <list type="bullet">
/// <item>binary (<c>cifar-100-binary/</c>): records of 3,074 bytes (coarse label, fine label, 3,072 pixels as the 32x32
/// red, green and blue planes) in <c>train.bin</c> / <c>test.bin</c>; names from <c>coarse_label_names.txt</c> and
/// <c>fine_label_names.txt</c> when present (<see cref="Read"/>);</item>
/// <item>python (<c>cifar-100-python/</c>, what torchvision and most PyTorch code download): protocol-2 pickles
/// <c>train</c> / <c>test</c> of dicts with <c>data</c> (a numpy uint8 array N x 3072 in the same plane order),
/// <c>fine_labels</c> and <c>coarse_labels</c>, and <c>meta</c> with <c>fine_label_names</c> /
/// <c>coarse_label_names</c> (<see cref="ReadPickle"/>). The pickles are loaded with Razorvine.Pickle after a scan that
/// refuses every global except numpy's array reconstruction: nothing in a pickle is executed.</item>
/// </list>
/// Both give the same <see cref="LabeledImages"/> (levels "fine" and "coarse", images 3x32x32 uint8) for the same content.
/// </summary>
public static class Cifar100Reader
{
    /// <summary>Bytes per record.</summary>
    public const int RecordSize = 3074;

    /// <summary>Reads one split file (levels "fine" and "coarse", images 3x32x32 uint8).</summary>
    /// <exception cref="InvalidDataException">The length is not a whole number of records, or a label is out of range.</exception>
    public static LabeledImages Read(string binPath, string? name = null)
    {
        if (!File.Exists(binPath)) throw new FileNotFoundException($"CIFAR-100 file not found: {binPath}", binPath);
        long length = new FileInfo(binPath).Length;
        if (length == 0 || length % RecordSize != 0)
            throw new InvalidDataException($"{binPath}: invalid CIFAR-100 binary at byte {length - length % RecordSize}: length {length} is not a positive multiple of the {RecordSize}-byte record.");
        if (length > Array.MaxLength) throw new InvalidDataException($"{binPath}: {length} bytes is larger than any CIFAR-100 split.");
        var bytes = File.ReadAllBytes(binPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(binPath))!;
        var names = new Dictionary<string, IReadOnlyList<string>>
        {
            [LabelLevels.Fine] = Names(Path.Combine(dir, "fine_label_names.txt"), 100) ?? Cifar100Hierarchy.Instance.FineNames,
            [LabelLevels.Coarse] = Names(Path.Combine(dir, "coarse_label_names.txt"), 20) ?? Cifar100Hierarchy.Instance.CoarseNames,
        };
        return Parse(bytes, binPath, name ?? "cifar-100/" + Path.GetFileNameWithoutExtension(binPath), names);
    }

    /// <summary>Decodes the records of one split held in memory; <paramref name="source"/> names it in errors.</summary>
    internal static LabeledImages Parse(byte[] bytes, string source, string name, IReadOnlyDictionary<string, IReadOnlyList<string>> names)
    {
        long length = bytes.Length;
        if (length == 0 || length % RecordSize != 0)
            throw new InvalidDataException($"{source}: invalid CIFAR-100 binary at byte {length - length % RecordSize}: length {length} is not a positive multiple of the {RecordSize}-byte record.");
        int n = (int)(length / RecordSize);
        var pixels = new byte[n * 3072L];
        var fine = new long[n];
        var coarse = new long[n];
        for (int i = 0; i < n; i++)
        {
            int o = i * RecordSize;
            if (bytes[o] >= 20) throw new InvalidDataException($"{source}: invalid CIFAR-100 binary at byte {o}: coarse label {bytes[o]}, expected 0..19.");
            if (bytes[o + 1] >= 100) throw new InvalidDataException($"{source}: invalid CIFAR-100 binary at byte {o + 1}: fine label {bytes[o + 1]}, expected 0..99.");
            coarse[i] = bytes[o];
            fine[i] = bytes[o + 1];
            Buffer.BlockCopy(bytes, o + 2, pixels, i * 3072, 3072);
        }
        return new LabeledImages(name,
            torch.tensor(pixels, [n, 3, 32, 32], ScalarType.Byte),
            new Dictionary<string, Tensor> { [LabelLevels.Fine] = torch.tensor(fine), [LabelLevels.Coarse] = torch.tensor(coarse) },
            names, source);
    }

    /// <summary>
    /// Reads one split of the python version (<c>cifar-100-python/train</c> or <c>test</c>); label names come from
    /// <c>meta</c> in the same folder when present, else from <see cref="Cifar100Hierarchy"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a pickle of the expected dict, refers to anything but
    /// numpy arrays, or holds labels out of range; the message names the file.</exception>
    public static LabeledImages ReadPickle(string path, string? name = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CIFAR-100 file not found: {path}", path);
        var meta = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "meta");
        var names = File.Exists(meta) ? ReadPickleMeta(meta) : DefaultNames();
        return ParsePickle(ReadBounded(path), path, name ?? "cifar-100/" + Path.GetFileName(path), names);
    }

    /// <summary>Reads <c>cifar-100-python/meta</c>: the 100 fine and 20 coarse label names (levels "fine", "coarse").</summary>
    /// <exception cref="InvalidDataException">Not a pickle of a dict with both name lists of the right lengths.</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadPickleMeta(string metaPath)
    {
        if (!File.Exists(metaPath)) throw new FileNotFoundException($"CIFAR-100 file not found: {metaPath}", metaPath);
        return ParsePickleMeta(ReadBounded(metaPath), metaPath);
    }

    /// <summary>Decodes a python-version meta pickle held in memory.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> ParsePickleMeta(byte[] bytes, string source)
    {
        var dict = PickleDict(bytes, source);
        IReadOnlyList<string> List(string key, int expected)
        {
            if (!dict.TryGetValue(key, out var value) || value is not System.Collections.ArrayList list)
                throw new InvalidDataException($"{source}: no list '{key}' in the CIFAR-100 meta pickle (keys: {string.Join(", ", dict.Keys)}).");
            if (list.Count != expected)
                throw new InvalidDataException($"{source}: '{key}' holds {list.Count} names, expected {expected}.");
            var names = new string[expected];
            for (int i = 0; i < expected; i++)
            {
                names[i] = (list[i] switch
                {
                    string text => text,
                    byte[] raw => System.Text.Encoding.UTF8.GetString(raw),
                    _ => "",
                }).Trim();
                if (names[i].Length == 0) throw new InvalidDataException($"{source}: '{key}'[{i}] is not a non-empty string.");
            }
            return names;
        }
        return new Dictionary<string, IReadOnlyList<string>>
        {
            [LabelLevels.Fine] = List("fine_label_names", 100),
            [LabelLevels.Coarse] = List("coarse_label_names", 20),
        };
    }

    /// <summary>Decodes one python-version split held in memory; <paramref name="source"/> names it in errors.</summary>
    internal static LabeledImages ParsePickle(byte[] bytes, string source, string name, IReadOnlyDictionary<string, IReadOnlyList<string>> names)
    {
        var dict = PickleDict(bytes, source);
        if (!dict.TryGetValue("data", out var dataValue) || dataValue is not NumpyArray array)
            throw new InvalidDataException($"{source}: no numpy array 'data' in the CIFAR-100 pickle (keys: {string.Join(", ", dict.Keys)}).");
        if (array.Dtype is not { IsUInt8: true })
            throw new InvalidDataException($"{source}: 'data' has dtype '{array.Dtype?.Name}', expected uint8 ('u1').");
        bool flat = array.Shape is [_, 3072], planar = array.Shape is [_, 3, 32, 32];
        if (!flat && !planar)
            throw new InvalidDataException($"{source}: 'data' has shape ({string.Join(", ", array.Shape)}), expected (N, 3072).");
        long n = array.Shape[0];
        if (n == 0) throw new InvalidDataException($"{source}: 'data' holds no images.");
        if (n * 3072 > Array.MaxLength || array.Data!.LongLength != n * 3072)
            throw new InvalidDataException($"{source}: 'data' has {array.Data!.LongLength} bytes for shape ({string.Join(", ", array.Shape)}), expected {n * 3072}.");
        var pixels = array.Data;
        if (array.FortranOrder)
        {
            // Column-major: element (i, j) of the N x 3072 matrix is at j * N + i.
            var c = new byte[pixels.Length];
            for (long j = 0; j < 3072; j++)
                for (long i = 0; i < n; i++)
                    c[i * 3072 + j] = pixels[j * n + i];
            pixels = c;
        }
        var fine = Labels(dict, "fine_labels", n, 100, source);
        var coarse = Labels(dict, "coarse_labels", n, 20, source);
        return new LabeledImages(name,
            torch.tensor(pixels, [n, 3, 32, 32], ScalarType.Byte),
            new Dictionary<string, Tensor> { [LabelLevels.Fine] = torch.tensor(fine), [LabelLevels.Coarse] = torch.tensor(coarse) },
            names, source);
    }

    private static long[] Labels(Dictionary<string, object?> dict, string key, long n, int classes, string source)
    {
        if (!dict.TryGetValue(key, out var value) || value is not System.Collections.ArrayList list)
            throw new InvalidDataException($"{source}: no list '{key}' in the CIFAR-100 pickle (keys: {string.Join(", ", dict.Keys)}).");
        if (list.Count != n)
            throw new InvalidDataException($"{source}: '{key}' holds {list.Count} labels for {n} images.");
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            long v = list[i] switch
            {
                int x => x,
                long x => x,
                _ => -1,
            };
            if (v < 0 || v >= classes)
                throw new InvalidDataException($"{source}: '{key}'[{i}] is {list[i] ?? "None"}, expected an integer 0..{classes - 1}.");
            labels[i] = v;
        }
        return labels;
    }

    private static Dictionary<string, object?> PickleDict(byte[] bytes, string source)
    {
        if (SafePickle.Load(bytes, source) is not System.Collections.Hashtable table)
            throw new InvalidDataException($"{source}: the pickle does not hold a dict, as CIFAR-100's python version does.");
        var dict = new Dictionary<string, object?>();
        foreach (System.Collections.DictionaryEntry e in table)
            if (SafePickle.KeyText(e.Key) is { } key) dict[key] = e.Value;
        return dict;
    }

    private static byte[] ReadBounded(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength) throw new InvalidDataException($"{path}: {length} bytes is larger than any CIFAR-100 file.");
        return File.ReadAllBytes(path);
    }

    private static Dictionary<string, IReadOnlyList<string>> DefaultNames() => new()
    {
        [LabelLevels.Fine] = Cifar100Hierarchy.Instance.FineNames,
        [LabelLevels.Coarse] = Cifar100Hierarchy.Instance.CoarseNames,
    };

    private static IReadOnlyList<string>? Names(string path, int expected)
    {
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count != expected)
            throw new InvalidDataException($"{path}: {lines.Count} label names, expected {expected}.");
        return lines;
    }
}

/// <summary>CIFAR-100's standard 100 → 20 superclass hierarchy.</summary>
public static class Cifar100Hierarchy
{
    /// <summary>The hierarchy (fine names in the dataset's alphabetical order).</summary>
    public static LabelHierarchy Instance { get; } = new(
        [4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11, 6, 11, 5, 10, 7, 6, 13, 15, 3, 15,
         0, 11, 1, 10, 12, 14, 16, 9, 11, 5, 5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17,
         10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13, 16, 19, 2, 4, 6, 19, 5, 5, 8, 19,
         18, 1, 2, 15, 6, 0, 17, 8, 14, 13],
        ("apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle " +
         "caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish " +
         "forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle " +
         "mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine " +
         "possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar " +
         "sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale " +
         "willow_tree wolf woman worm").Split(' '),
        ("aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture " +
         "insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores " +
         "medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2").Split(' '));
}
