using BilateralNeuro.Experiments;

if (args.Contains("--bench"))
{
    var r = SynchronyBenchmark.Run();
    Console.WriteLine($"Kuramoto fwd+bwd, T=15, batch 64, 8x32x32, 13x13 kernel; {r.Threads} torch threads; matmul 1024^2: {r.MatmulGflops:F1} GFLOP/s");
    Console.WriteLine("| path | ms / pass | speed-up vs direct | GFLOP/s (direct-equivalent) | peak RSS delta (MB) |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var row in r.Rows)
        Console.WriteLine($"| {row.Name} | {row.MedianMilliseconds:F0} | {row.RatioToDirect:F2}x | {row.EquivalentGflops:F1} | {row.PeakRssDeltaMegabytes:F0} |");
    Console.WriteLine($"max |phase difference| vs direct after 15 steps: {r.MaxAbsDifference:G3}");
    return;
}
