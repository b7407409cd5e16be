using BilateralNeuro.Benchmarks;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using TorchSharp;

// Runs every benchmark and prints one table of ratios measured in the same run (absolute times on a shared machine
// are noise; the ratios are the figure). Usage: dotnet run -c Release --project tests/BilateralNeuro.Benchmarks [-- --quick] [--threads N] [--out FILE] [--cases trainer,peers]
var quick = args.Contains("--quick");
int threads = ArgInt("--threads", 2);
string? outFile = ArgString("--out");

TorchRuntime.EnsureLoaded();
torch.set_num_threads(threads);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, torch threads {threads}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, TorchSharp 0.107.0 / LibTorch 2.10 CPU");
var (train, _) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
var rows = new List<CaseResult>();
bool only(string name) => ArgString("--cases") is not { } c || c.Split(',').Contains(name);
double matmul = PeerCases.MatmulGflops(repeats: 5);
Console.WriteLine($"machine limit: 2048x2048 float32 matmul {matmul:F1} GFLOP/s");
double? peerMatmul = !only("peers") ? null : PeerCases.RunPeer("resnet9.py", $"--case matmul --threads {threads} --warmup 1 --steps 3", Console.Out);
if (peerMatmul is { } pm && only("peers"))
    rows.Add(new CaseResult("2048² matmul (matmul-bound; says more about the peer's BLAS than about us)", matmul, 2 * Math.Pow(2048, 3) / pm / 1e9, "GFLOP/s", "reported apart from convolution cases", HigherIsBetter: true));
if (only("trainer")) rows.AddRange(TrainerOverhead.Run(train, steps: quick ? 10 : 30, repeats: quick ? 3 : 7, Console.Out));
if (only("peers")) rows.AddRange(PeerCases.ResNet9(threads, steps: quick ? 3 : 10, matmul, Console.Out));

Console.WriteLine();
Harness.Print(rows, Console.Out);
if (outFile is not null)
{
    using var w = new StringWriter();
    Harness.Print(rows, w);
    File.WriteAllText(outFile, w.ToString());
}
return rows.Any(r => r.Met == false) ? 1 : 0;

int ArgInt(string name, int fallback) => ArgString(name) is { } s ? int.Parse(s) : fallback;
string? ArgString(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
