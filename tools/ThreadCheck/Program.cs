using BilateralNeuro.Core;
using TorchSharp;

// Usage: dotnet run -c Release --project tools/ThreadCheck [-- nopolicy]
// Counts the CPU seconds of all threads of this process (from /proc/self/task/*/stat) while it (a) sleeps 2 s after
// parallel work and (b) runs short parallel matmuls separated by 1 ms serial gaps, the pattern of a training loop.
// Spinning OpenMP workers show up as CPU time in (a) and as much more CPU time than (b)'s work needs.
// "nopolicy" leaves OMP_WAIT_POLICY unset (libgomp's default); set OMP_WAIT_POLICY=ACTIVE in the environment to compare.
if (args.Contains("nopolicy")) TorchRuntime.OpenMpWaitPolicy = null;
TorchRuntime.EnsureLoaded();
TorchRuntime.SetThreads(Math.Max(2, CpuBudget.Detect().Threads));
Console.WriteLine($"{TorchRuntime.WaitPolicyStatus}; threads {TorchRuntime.Threads}");

static long Ticks() => Directory.GetDirectories("/proc/self/task").Sum(t =>
{
    try
    {
        var f = File.ReadAllText(Path.Combine(t, "stat"));
        var p = f[(f.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(p[11]) + long.Parse(p[12]);   // utime + stime, in clock ticks (1/100 s)
    }
    catch (IOException) { return 0L; }                  // a thread that ended meanwhile
});

using var a = torch.randn(512, 512);
for (int round = 0; round < 3; round++)
{
    long before = Ticks();
    for (int i = 0; i < 200; i++) { using var b = a.matmul(a); Thread.Sleep(1); }
    double bursts = (Ticks() - before) / 100.0;
    before = Ticks();
    Thread.Sleep(2000);
    double idle = (Ticks() - before) / 100.0;
    Console.WriteLine($"round {round}: CPU seconds for 200 matmuls with 1 ms gaps {bursts:F2}; during a 2 s idle sleep {idle:F2}");
}
