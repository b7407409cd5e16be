using BilateralNeuro.Benchmarks;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using TorchSharp;

// Runs every benchmark and prints one table of ratios measured in the same run (absolute times on a shared machine
// are noise; the ratios are the figure). Usage:
//   dotnet run -c Release --project tests/BilateralNeuro.Benchmarks [-- --quick] [--cases all|trainer,peers,bilateral,stage2,kuramoto,lattice,alexnet,memory]
//       [--threads N] [--out FILE] [--live-rss]
// --live-rss fixes glibc's mmap threshold at 1 MiB in this process and in the PyTorch peer (NativeAllocator /
// MALLOC_MMAP_THRESHOLD_), so peak RSS counts live tensors rather than freed blocks glibc keeps. Use it for the
// memory columns only: every large tensor then costs fresh page faults, and times in such a run are not
// representative (the Kuramoto pass ran ~3x slower on every path).
//   dotnet run -c Release --project tests/BilateralNeuro.Benchmarks -- --micro [BenchmarkDotNet args, e.g. --filter *Coupling*]
if (args.Contains("--micro")) return Micro.Run(args.Where(a => a != "--micro").ToArray());

var quick = args.Contains("--quick");
int threads = ArgInt("--threads", 2);
string? outFile = ArgString("--out");
string[] all = ["trainer", "peers", "bilateral", "stage2", "kuramoto", "lattice", "alexnet", "memory"];
string[] extra = ["kuramoto-parts", "kuramoto-wall"];   // profiles, not ratio cases: only when named
var selected = ArgString("--cases") is { } c && c != "all" ? c.Split(',') : all;
foreach (var name in selected.Where(n => !all.Contains(n) && !extra.Contains(n)))
{
    Console.Error.WriteLine($"unknown case '{name}'; cases are {string.Join(", ", all.Concat(extra))} (or all)");
    return 2;
}

bool liveRss = args.Contains("--live-rss");
string allocator = !liveRss ? "glibc default malloc"
    : BilateralNeuro.Core.Native.NativeAllocator.SetMmapThreshold(1 << 20) ? "--live-rss: glibc mmap threshold fixed at 1 MiB (ours and peer; times not representative)" : "default malloc (mallopt unavailable)";
PeerProcess.MmapThreshold = liveRss ? 1 << 20 : null;
TorchRuntime.EnsureLoaded();
torch.set_num_threads(threads);
var clock = System.Diagnostics.Stopwatch.StartNew();
string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
string machine = $"machine: {Environment.ProcessorCount} cores, torch threads {threads}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, TorchSharp 0.107.0 / LibTorch 2.10 CPU; {allocator}; load average at start {load}";
Console.WriteLine(machine);
var (train, _) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
double matmul = PeerCases.MatmulGflops(repeats: 5);
Console.WriteLine($"machine limit: 2048x2048 float32 matmul {matmul:F1} GFLOP/s");
var s = new BenchSettings(threads, quick, matmul, Console.Out);
var rows = new List<CaseResult>();
void Add(string name, Func<IEnumerable<CaseResult>> run)
{
    if (!selected.Contains(name)) return;
    var t = System.Diagnostics.Stopwatch.StartNew();
    try { rows.AddRange(run()); }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Console.WriteLine($"case {name} failed: {e.GetType().Name}: {e.Message}");
        rows.Add(new CaseResult($"{name}: FAILED ({e.GetType().Name})", double.NaN, double.NaN, "-", e.Message.Split('\n')[0], Target: 1));
    }
    Console.WriteLine($"[{name} done in {t.Elapsed.TotalSeconds:F0} s; load average {File.ReadAllText("/proc/loadavg").Trim()}]");
    if (outFile is not null)
    {
        using var partial = new StringWriter();
        partial.WriteLine(machine + " (partial: cases so far)");
        Harness.Print(rows, matmul, partial);
        File.WriteAllText(outFile, partial.ToString());
    }
}

// New cases first, the long-known ones (trainer, ResNet-9 vs PyTorch) last.
Add("bilateral", () => PeerCases.BilateralStep(s).ToList());
Add("stage2", () => CachingCases.Stage2(train, s).ToList());
Add("kuramoto", () => KuramotoCases.Run(s).ToList());
Add("kuramoto-parts", () => { KuramotoParts.Run(s); return []; });
Add("kuramoto-wall", () => { KuramotoWall.Run(s); return []; });
Add("lattice", () => LatticeCases.Run(train, s).ToList());
Add("alexnet", () => CachingCases.AlexNetTransfer(s).ToList());
Add("memory", () => MemoryCases.Run(train, s).ToList());
Add("peers", () => PeerCases.Matmul(s).Concat(PeerCases.ResNet9(s)).ToList());
Add("trainer", () => TrainerOverhead.Run(train, steps: quick ? 8 : 20, repeats: quick ? 3 : 5, Console.Out));

string endLoad = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
// The machine's limit is the best matmul rate seen in the run (start, end, and the peers case's own), so a slow
// first measurement (cold caches, frequency ramp) cannot flatter the fractions.
double matmulStart = matmul, matmulEnd = PeerCases.MatmulGflops(repeats: 5);
double? matmulPeers = rows.FirstOrDefault(r => r.Case.StartsWith("2048² float32 matmul", StringComparison.Ordinal))?.Ours;
matmul = new[] { matmulStart, matmulEnd, matmulPeers ?? 0 }.Max();
using var w = new StringWriter();
w.WriteLine(machine);
w.WriteLine($"machine limit (same run): 2048x2048 float32 matmul {matmul:F1} GFLOP/s (best of start {matmulStart:F1}, end {matmulEnd:F1}{(matmulPeers is { } mp ? $", peers case {mp:F1}" : "")}); load average at end {endLoad}; wall time {clock.Elapsed.TotalSeconds:F0} s{(quick ? " (--quick)" : "")}");
Harness.Print(rows, matmul, w);
Console.WriteLine();
Console.Write(w.ToString());
if (outFile is not null) File.WriteAllText(outFile, w.ToString());
return rows.Any(r => r.Met == false) ? 1 : 0;

int ArgInt(string name, int fallback) => ArgString(name) is { } v ? int.Parse(v) : fallback;
string? ArgString(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
