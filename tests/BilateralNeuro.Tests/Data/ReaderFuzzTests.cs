using System.Diagnostics;
using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace BilateralNeuro.Tests.Data;

/// <summary>
/// Seeded mutation fuzzing of the IDX, CIFAR-100 binary and CIFAR-100 python (pickle) readers: each of 10,000 mutated inputs per reader must either
/// load or raise <see cref="InvalidDataException"/> — no other exception type, no hang.
/// </summary>
public sealed class ReaderFuzzTests : IDisposable
{
    private const int Iterations = 10_000;
    // A hang guard, not a speed target: generous because the test machine may be heavily shared.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);
    private readonly string dir = Directory.CreateTempSubdirectory("bn-fuzz-").FullName;
    private readonly ITestOutputHelper output;

    public ReaderFuzzTests(ITestOutputHelper output) => this.output = output;

    private sealed record Outcome(int Loaded, int Refused, List<string> Failures);

    private Outcome Run(string name, int iterations, Func<int, Random, Action> makeCase)
    {
        int loaded = 0, refused = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var work = Task.Run(() =>
        {
            for (int i = 0; i < iterations; i++)
            {
                var rng = new Random(1000 + i);
                var act = makeCase(i, rng);
                try
                {
                    act();
                    loaded++;
                }
                catch (InvalidDataException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    if (failures.Count < 20)
                    {
                        var keep = Path.Combine(dir, $"failure-{name}-{i}");
                        foreach (var f in Directory.EnumerateFiles(dir, "fuzz*")) File.Copy(f, keep + "-" + Path.GetFileName(f), true);
                        failures.Add($"case {i}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        });
        work.Wait(Budget).Should().BeTrue($"{name}: {iterations} fuzz cases must finish within {Budget} (a hang would not)");
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        output.WriteLine($"{name}: {iterations} cases in {sw.Elapsed.TotalSeconds:F1} s wall, {cpuUsed.TotalSeconds:F1} s CPU: {loaded} loaded, {refused} refused, {failures.Count} other failures");
        return new Outcome(loaded, refused, failures);
    }

    [Fact]
    public void Idx_reader_survives_ten_thousand_mutated_inputs()
    {
        var seeds = Directory.GetFiles(Path.Combine(ReaderFuzzer.CorpusFolder(), "idx")).Order().Select(File.ReadAllBytes).ToArray();
        seeds.Should().HaveCountGreaterThanOrEqualTo(5);
        var path = Path.Combine(dir, "fuzz-idx");
        var outcome = Run("idx", Iterations, (i, rng) =>
        {
            var seed = seeds[i % seeds.Length];
            var input = ReaderFuzzer.Mutate(seed, rng);
            bool labelsSeed = IsLabels(seed);
            bool asLabels = rng.Next(5) == 0 ? !labelsSeed : labelsSeed;   // 20% cross-typed
            // Every 10th case goes through a file (the path overloads), the rest through memory streams.
            if (i % 10 == 0)
            {
                File.WriteAllBytes(path, input);
                return asLabels
                    ? () => { using var t = IdxReader.ReadLabels(path); t.shape[0].Should().BePositive(); }
                    : () => { using var t = IdxReader.ReadImages(path); t.shape[1].Should().Be(1); };
            }
            return asLabels
                ? () => { using var t = IdxReader.ReadLabels(new MemoryStream(input), "fuzz-idx"); t.shape[0].Should().BePositive(); }
                : () => { using var t = IdxReader.ReadImages(new MemoryStream(input), "fuzz-idx"); t.shape[1].Should().Be(1); };
        });
        outcome.Failures.Should().BeEmpty();
        // The mutator must exercise both outcomes, or the test proves nothing.
        outcome.Loaded.Should().BeGreaterThan(200);
        outcome.Refused.Should().BeGreaterThan(Iterations / 2);
    }

    [Fact]
    public void Cifar100_reader_survives_ten_thousand_mutated_inputs()
    {
        var corpus = Path.Combine(ReaderFuzzer.CorpusFolder(), "cifar");
        var seeds = Directory.GetFiles(corpus, "*.bin").Order().Select(File.ReadAllBytes).ToArray();
        var fineNames = File.ReadAllBytes(Path.Combine(corpus, "fine_label_names.txt"));
        var coarseNames = File.ReadAllBytes(Path.Combine(corpus, "coarse_label_names.txt"));
        seeds.Should().HaveCountGreaterThanOrEqualTo(2);
        var bin = Path.Combine(dir, "fuzz-train.bin");
        var finePath = Path.Combine(dir, "fine_label_names.txt");
        var coarsePath = Path.Combine(dir, "coarse_label_names.txt");
        File.WriteAllBytes(finePath, fineNames);
        File.WriteAllBytes(coarsePath, coarseNames);
        var names = new Dictionary<string, IReadOnlyList<string>>
        {
            [LabelLevels.Fine] = Cifar100Hierarchy.Instance.FineNames,
            [LabelLevels.Coarse] = Cifar100Hierarchy.Instance.CoarseNames,
        };
        bool namesDirty = false;
        var outcome = Run("cifar", Iterations, (i, rng) =>
        {
            int target = rng.Next(10);   // 0: mutate the fine names, 1: the coarse names, else the records
            var seed = seeds[i % seeds.Length];
            var records = target >= 2 ? ReaderFuzzer.Mutate(seed, rng) : seed;
            void Check(LabeledImages data)
            {
                data.Images.shape[1..].Should().Equal(3, 32, 32);
                data.Count.Should().Be(records.Length / Cifar100Reader.RecordSize);
                data.Labels[LabelLevels.Fine].max().item<long>().Should().BeLessThan(100);
                data.Labels[LabelLevels.Coarse].max().item<long>().Should().BeLessThan(20);
            }
            // Names mutations, and every 10th case, go through files (Read(path)); the rest decode in memory.
            if (target < 2 || i % 10 == 0)
            {
                if (target < 2 || namesDirty)
                {
                    File.WriteAllBytes(finePath, target == 0 ? ReaderFuzzer.Mutate(fineNames, rng) : fineNames);
                    File.WriteAllBytes(coarsePath, target == 1 ? ReaderFuzzer.Mutate(coarseNames, rng) : coarseNames);
                    namesDirty = target < 2;
                }
                File.WriteAllBytes(bin, records);
                return () => { using var data = Cifar100Reader.Read(bin); Check(data); };
            }
            return () => { using var data = Cifar100Reader.Parse(records, "fuzz", "fuzz", names); Check(data); };
        });
        outcome.Failures.Should().BeEmpty();
        outcome.Loaded.Should().BeGreaterThan(200);
        outcome.Refused.Should().BeGreaterThan(Iterations / 2);
    }

    [Fact]
    public void Cifar100_pickle_reader_survives_ten_thousand_mutated_inputs()
    {
        // Seeds: numpy-written pickles (protocols 2 and 4, Corpus/cifar-python) and Python 2 cPickle-style ones.
        var seeds = Directory.GetFiles(Path.Combine(ReaderFuzzer.CorpusFolder(), "cifar-python")).Order()
            .Select(f => (Meta: f.EndsWith("-meta", StringComparison.Ordinal), Bytes: File.ReadAllBytes(f)))
            .Append((false, Cifar100PickleFixture.SplitPickle(Cifar100PickleFixture.Train)))
            .Append((true, Cifar100PickleFixture.MetaPickle()))
            .ToArray();
        seeds.Should().HaveCountGreaterThanOrEqualTo(6);
        var folder = Directory.CreateDirectory(Path.Combine(dir, "pickle")).FullName;
        var split = Path.Combine(folder, "fuzz-train");
        var meta = Path.Combine(folder, "meta");
        var names = new Dictionary<string, IReadOnlyList<string>>
        {
            [LabelLevels.Fine] = Cifar100Hierarchy.Instance.FineNames,
            [LabelLevels.Coarse] = Cifar100Hierarchy.Instance.CoarseNames,
        };
        var goodMeta = Cifar100PickleFixture.MetaPickle();
        var outcome = Run("cifar-pickle", Iterations, (i, rng) =>
        {
            var (isMeta, seed) = seeds[i % seeds.Length];
            var input = ReaderFuzzer.Mutate(seed, rng);
            void Check(LabeledImages data)
            {
                data.Images.shape[1..].Should().Equal(3, 32, 32);
                data.Labels[LabelLevels.Fine].shape[0].Should().Be(data.Count);
                data.Labels[LabelLevels.Fine].max().item<long>().Should().BeLessThan(100);
                data.Labels[LabelLevels.Coarse].max().item<long>().Should().BeLessThan(20);
                data.ClassNames[LabelLevels.Fine].Should().HaveCount(100);
            }
            if (isMeta)
                return () => Cifar100Reader.ParsePickleMeta(input, "fuzz-meta")[LabelLevels.Coarse].Should().HaveCount(20);
            // Every 10th case goes through files (split + a meta beside it, sometimes mutated too).
            if (i % 10 == 0)
            {
                File.WriteAllBytes(split, input);
                File.WriteAllBytes(meta, rng.Next(3) == 0 ? ReaderFuzzer.Mutate(goodMeta, rng) : goodMeta);
                return () => { using var data = Cifar100Reader.ReadPickle(split); Check(data); };
            }
            return () => { using var data = Cifar100Reader.ParsePickle(input, "fuzz", "fuzz", names); Check(data); };
        });
        outcome.Failures.Should().BeEmpty();
        outcome.Loaded.Should().BeGreaterThan(200);
        outcome.Refused.Should().BeGreaterThan(Iterations / 10);
    }

    [Fact]
    public void Every_seed_of_the_corpus_is_valid()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(ReaderFuzzer.CorpusFolder(), "idx")))
        {
            using var t = IsLabels(File.ReadAllBytes(f)) ? IdxReader.ReadLabels(f) : IdxReader.ReadImages(f);
            t.numel().Should().BeGreaterThan(0, f);
        }
        foreach (var f in Directory.GetFiles(Path.Combine(ReaderFuzzer.CorpusFolder(), "cifar"), "*.bin"))
        {
            using var data = Cifar100Reader.Read(f);
            data.ClassNames[LabelLevels.Fine][37].Should().Be("fine_37", "the corpus's own names file is read");
            data.Count.Should().Be(new FileInfo(f).Length / Cifar100Reader.RecordSize);
        }
        var pickles = Path.Combine(ReaderFuzzer.CorpusFolder(), "cifar-python");
        foreach (var f in Directory.GetFiles(pickles).Where(f => !f.EndsWith("-meta", StringComparison.Ordinal)))
        {
            var names = Cifar100Reader.ParsePickleMeta(File.ReadAllBytes(f[..f.LastIndexOf('-')] + "-meta"), f);
            using var data = Cifar100Reader.ParsePickle(File.ReadAllBytes(f), f, "seed", names);
            data.Count.Should().BePositive(f);
        }
    }

    private static bool IsLabels(byte[] seed)
    {
        var raw = ReaderFuzzer.IsGzip(seed) ? ReaderFuzzer.Gunzip(seed) : seed;
        return raw[3] == 1;
    }

    public void Dispose()
    {
        var kept = Directory.GetFiles(dir, "failure-*");
        if (kept.Length > 0) output.WriteLine($"failing inputs kept in {dir}");
        else Directory.Delete(dir, recursive: true);
    }
}
