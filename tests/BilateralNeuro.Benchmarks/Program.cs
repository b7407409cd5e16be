using BilateralNeuro.Benchmarks;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using TorchSharp;

// Runs every benchmark and prints one table of ratios measured in the same run (absolute times on a shared machine
// are noise; the ratios are the figure). Usage: dotnet run -c Release --project tests/BilateralNeuro.Benchmarks [-- --quick] [--threads N] [--out FILE]
var quick = args.Contains("--quick");
int threads = ArgInt("--threads", 2);
string? outFile = ArgString("--out");

TorchRuntime.EnsureLoaded();
torch.set_num_threads(threads);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, torch threads {threads}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, TorchSharp 0.107.0 / LibTorch 2.10 CPU");
var (train, _) = Datasets.FashionMnist();
var rows = new List<CaseResult>();
rows.AddRange(TrainerOverhead.Run(train, steps: quick ? 10 : 30, repeats: quick ? 3 : 7, Console.Out));

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
