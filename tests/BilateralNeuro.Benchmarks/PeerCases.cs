using System.Diagnostics;
using System.Text.Json;
using BilateralNeuro.Backbones;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// Side-by-side cases against PyTorch (Debian's python3-torch running peers/*.py with the same model, input, batch,
/// threads, warm-up and steps) and against the machine's limit (a 2048x2048 float32 matmul measured in this run).
/// </summary>
public static class PeerCases
{
    public const string Python = "/usr/bin/python3";

    public static double MatmulGflops(int repeats)
    {
        using var x = torch.randn(2048, 2048);
        using var y = torch.randn(2048, 2048);
        for (int i = 0; i < 2; i++) { using var _ = x.matmul(y); }
        var times = new List<double>();
        for (int i = 0; i < repeats; i++) times.Add(Harness.Time(() => { using var _ = x.matmul(y); }));
        return 2.0 * Math.Pow(2048, 3) / Harness.Median(times) / 1e9;
    }

    public static IEnumerable<CaseResult> ResNet9(int threads, int steps, double matmulGflops, TextWriter log)
    {
        const int batch = 64;
        torch.manual_seed(0);
        var backbone = new ResNet9(3, 1.0);
        var model = nn.Sequential(backbone, nn.Linear(backbone.FeatureSize, 100));
        var x = torch.randn(batch, 3, 32, 32);
        var y = torch.randint(0, 100, [batch], dtype: ScalarType.Int64);
        double fwdFlops = FlopCounter.ForwardFlops(model, x) / batch;
        var opt = optim.Adam(model.parameters(), 1e-3);

        void Train()
        {
            using var scope = NewDisposeScope();
            model.train();
            opt.zero_grad();
            F.cross_entropy(model.call(x), y).backward();
            opt.step();
        }

        void Infer()
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.eval();
            model.call(x);
        }

        foreach (var (name, action, flopsPerImage) in new (string, Action, double)[] { ("train", Train, 3 * fwdFlops), ("infer", Infer, fwdFlops) })
        {
            for (int i = 0; i < 3; i++) action();
            double ours = Harness.Median(Enumerable.Range(0, 3).Select(_ => Harness.Time(() => { for (int i = 0; i < steps; i++) action(); }) / steps).ToList());
            double? peer = RunPeer("resnet9.py", $"--case {name} --threads {threads} --batch {batch} --warmup 3 --steps {steps}", log);
            double oursImgs = batch / ours;
            double gflops = oursImgs * flopsPerImage / 1e9;
            if (peer is { } p)
                yield return new CaseResult($"ResNet-9 {name} (3x32x32, batch {batch}) vs PyTorch 1.13", oursImgs, batch / p, "img/s",
                    $"{gflops:F1} GFLOP/s = {gflops / matmulGflops:P0} of matmul", Target: 1.0, HigherIsBetter: true);
            else
                yield return new CaseResult($"ResNet-9 {name} (3x32x32, batch {batch}) vs matmul", gflops, matmulGflops, "GFLOP/s",
                    "PyTorch peer unavailable (apt-get install python3-torch)", HigherIsBetter: true);
        }
    }

    /// <summary>Runs a peer script; returns its seconds per step, or null when python3-torch is missing.</summary>
    public static double? RunPeer(string script, string arguments, TextWriter log)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "peers", script);
        if (!File.Exists(Python) || !File.Exists(path)) return null;
        var psi = new ProcessStartInfo(Python, $"{path} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            log.WriteLine($"peer {script} failed ({p.ExitCode}): {stderr.Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n').Last());
        return doc.RootElement.GetProperty("seconds_per_step").GetDouble();
    }
}
