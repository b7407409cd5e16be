using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// Reads CIFAR-100's binary version: records of 3,074 bytes (coarse label, fine label, 3,072 pixels as the 32x32 red,
/// green and blue planes) in <c>train.bin</c> / <c>test.bin</c>; names from <c>coarse_label_names.txt</c> and
/// <c>fine_label_names.txt</c> when present.
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
