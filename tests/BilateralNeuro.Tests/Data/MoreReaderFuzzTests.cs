using System.Diagnostics;
using System.Text;
using BilateralNeuro.Experiments;
using FluentAssertions;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Tests.Data;

/// <summary>
/// Seeded mutation fuzzing of the reaction-time CSV reader and the ImageFolder reader: every mutated input must load or
/// raise <see cref="InvalidDataException"/>; no other exception type and no hang.
/// </summary>
public sealed class MoreReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Iterations = 10_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);
    private readonly string dir = Directory.CreateTempSubdirectory("bn-fuzz2-").FullName;

    private (int Loaded, int Refused, List<string> Failures) Run(string name, Func<int, Random, Action> makeCase)
    {
        int loaded = 0, refused = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        var work = Task.Run(() =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                try { makeCase(i, new Random(5000 + i))(); loaded++; }
                catch (InvalidDataException) { refused++; }
                catch (Exception e) { if (failures.Count < 20) failures.Add($"case {i}: {e.GetType().Name}: {e.Message}"); }
            }
        });
        work.Wait(Budget).Should().BeTrue($"{name}: {Iterations} cases must finish within {Budget}");
        output.WriteLine($"{name}: {Iterations} cases in {sw.Elapsed.TotalSeconds:F1} s: {loaded} loaded, {refused} refused, {failures.Count} other");
        return (loaded, refused, failures);
    }

    [Fact]
    public void Reaction_time_reader_survives_ten_thousand_mutated_inputs()
    {
        var seed = Encoding.UTF8.GetBytes("subject,image_id,rt_ms\ns1,0,512.5\ns1,3,430\ns2,7,610.25\n");
        var path = Path.Combine(dir, "rt.csv");
        var (loaded, refused, failures) = Run("rt-csv", (_, rng) =>
        {
            File.WriteAllBytes(path, ReaderFuzzer.Mutate(seed, rng));
            return () => ResourceCsv.ReadReactionTimes(path);
        });
        failures.Should().BeEmpty();
        loaded.Should().BeGreaterThan(0);
        refused.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Image_folder_reader_survives_ten_thousand_mutated_images()
    {
        var seeds = new[] { Encode(SKEncodedImageFormat.Png), Encode(SKEncodedImageFormat.Jpeg) };
        var root = Path.Combine(dir, "images");
        var classDir = Directory.CreateDirectory(Path.Combine(root, "happy")).FullName;
        var (loaded, refused, failures) = Run("image-folder", (i, rng) =>
        {
            var ext = i % 2 == 0 ? ".png" : ".jpg";
            foreach (var f in Directory.GetFiles(classDir)) File.Delete(f);
            File.WriteAllBytes(Path.Combine(classDir, "face" + ext), ReaderFuzzer.Mutate(seeds[i % 2], rng));
            return () => { using var set = BilateralNeuro.Data.ImageFolder.Load(root, 8); };
        });
        failures.Should().BeEmpty();
        loaded.Should().BeGreaterThan(0);
        refused.Should().BeGreaterThan(0);
    }

    private static byte[] Encode(SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(12, 12);
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 12; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 20), (byte)(y * 20), 90));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
