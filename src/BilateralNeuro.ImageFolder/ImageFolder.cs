using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// Reads an image folder laid out as <c>root/&lt;class&gt;/*.png|jpg|jpeg</c> (AffectNet, FER-2013 exports, any
/// openly licensed face set) into a <see cref="LabeledImages"/>: classes are the sub-folders in ordinal order, every
/// image is centre-cropped to a square, resized (bilinear) to <c>size</c>, and stored as uint8 RGB (or grey).
/// Decoding uses SkiaSharp. A file that does not decode throws <see cref="InvalidDataException"/> naming it.
/// </summary>
public static class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Loads every image under <paramref name="root"/>'s class folders.</summary>
    /// <param name="root">Folder with one sub-folder per class.</param>
    /// <param name="size">Output side in pixels.</param>
    /// <param name="level">Label level name (e.g. <c>valence</c>).</param>
    /// <param name="grayscale">Store one grey channel instead of RGB.</param>
    /// <param name="logger">Receives a summary line.</param>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a decodable image, or no images were found.</exception>
    public static LabeledImages Load(string root, int size, string level = "class", bool grayscale = false, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (size is < 8 or > 1024) throw new ArgumentOutOfRangeException(nameof(size), size, "ImageFolder: size must lie in [8, 1024].");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"ImageFolder: '{root}' does not exist.");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var files = new List<(string Path, long Label)>();
        for (int c = 0; c < classes.Count; c++)
            foreach (var f in Directory.EnumerateFiles(Path.Combine(root, classes[c])).Where(IsImage).OrderBy(f => f, StringComparer.Ordinal))
                files.Add((f, c));
        if (files.Count == 0) throw new InvalidDataException($"ImageFolder: no PNG or JPEG images in class sub-folders of '{root}'.");
        int channels = grayscale ? 1 : 3;
        var pixels = new byte[files.Count * channels * size * size];
        for (int i = 0; i < files.Count; i++) Decode(files[i].Path, size, grayscale, pixels.AsSpan(i * channels * size * size, channels * size * size));
        var images = torch.tensor(pixels, [files.Count, channels, size, size], ScalarType.Byte);
        var labels = torch.tensor(files.Select(f => f.Label).ToArray());
        (logger ?? NullLogger.Instance).LogInformation("ImageFolder {Root}: {Count} images in {Classes} classes at {Size}px", root, files.Count, classes.Count, size);
        return new LabeledImages(Path.GetFileName(Path.TrimEndingDirectorySeparator(root)), images,
            new Dictionary<string, Tensor> { [level] = labels }, new Dictionary<string, IReadOnlyList<string>> { [level] = classes }, root);
    }

    private static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static void Decode(string path, int size, bool grayscale, Span<byte> target)
    {
        using var bitmap = SKBitmap.Decode(path)
            ?? throw new InvalidDataException($"ImageFolder: '{path}' is not a decodable PNG or JPEG image.");
        int side = Math.Min(bitmap.Width, bitmap.Height);
        using var square = new SKBitmap();
        if (!bitmap.ExtractSubset(square, SKRectI.Create((bitmap.Width - side) / 2, (bitmap.Height - side) / 2, side, side)))
            throw new InvalidDataException($"ImageFolder: '{path}' could not be cropped.");
        using var resized = square.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear))
            ?? throw new InvalidDataException($"ImageFolder: '{path}' could not be resized.");
        var span = resized.GetPixelSpan();
        int stride = resized.RowBytes, plane = size * size;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int o = y * stride + x * 4;
                byte r = span[o], g = span[o + 1], b = span[o + 2];
                if (grayscale) target[y * size + x] = (byte)Math.Round(0.299 * r + 0.587 * g + 0.114 * b);
                else
                {
                    target[y * size + x] = r;
                    target[plane + y * size + x] = g;
                    target[2 * plane + y * size + x] = b;
                }
            }
    }
}
