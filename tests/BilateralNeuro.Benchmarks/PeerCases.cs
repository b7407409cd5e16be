using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Benchmarks;

/// <summary>Timing settings shared by the cases (smaller under --quick).</summary>
public sealed record BenchSettings(int Threads, bool Quick, double MatmulGflops, TextWriter Log)
{
    public int Repeats => Quick ? 3 : 5;
}

/// <summary>
/// Side-by-side cases against PyTorch (Debian's python3-torch running peers/peer_server.py with the same model,
/// input, batch, threads and steps, interleaved with ours) and against the machine's limit (a 2048x2048 float32
/// matmul measured in this run).
/// </summary>
public static class PeerCases
{
    public static double MatmulGflops(int repeats)
    {
        using var x = torch.randn(2048, 2048);
        using var y = torch.randn(2048, 2048);
        for (int i = 0; i < 2; i++) { using var _ = x.matmul(y); }
        var times = new List<double>();
        for (int i = 0; i < repeats; i++) times.Add(Harness.Time(() => { using var _ = x.matmul(y); }));
        return 2.0 * Math.Pow(2048, 3) / Harness.Median(times) / 1e9;
    }

    /// <summary>The peer's matmul (its BLAS), interleaved with ours.</summary>
    public static IEnumerable<CaseResult> Matmul(BenchSettings s)
    {
        using var peer = PeerProcess.Start($"matmul --threads {s.Threads}", s.Log);
        if (peer is null) yield break;
        using var x = torch.randn(2048, 2048);
        using var y = torch.randn(2048, 2048);
        var (ours, theirs) = Block(() => { using var _ = x.matmul(y); }, peer, steps: 2, warmup: 1, repeats: 3);
        double flops = 2.0 * Math.Pow(2048, 3);
        yield return new CaseResult($"2048² float32 matmul vs PyTorch {peer.TorchVersion}", flops / ours / 1e9, flops / theirs / 1e9, "GFLOP/s",
            "the machine limit; the peer's ratio says more about Debian's reference BLAS than about us", HigherIsBetter: true)
        { Group = "matmul-bound (vs PyTorch)", Gflops = flops / ours / 1e9 };
    }

    /// <summary>Ours and the peer's seconds per step, in interleaved blocks of <paramref name="steps"/> steps.</summary>
    public static (double Ours, double Peer) Block(Action step, PeerProcess peer, int steps, int warmup, int repeats)
    {
        var m = Harness.Rotated([
            () => Harness.Time(() => { for (int i = 0; i < steps; i++) step(); }),
            () => peer.Run(steps),
        ], warmup, repeats);
        return (m[0] / steps, m[1] / steps);
    }

    /// <summary>
    /// One case against the peer: interleaved timing, achieved GFLOP/s from <paramref name="flopsPerStep"/>, and the
    /// peak RSS each side added during the timed blocks.
    /// </summary>
    public static CaseResult? VsPeer(string name, string group, Action step, string peerArgs, int stepsPerBlock, double flopsPerStep,
        double imagesPerStep, BenchSettings s, double? target = 1.0, string note = "")
    {
        using var peer = PeerProcess.Start(peerArgs + $" --threads {s.Threads}", s.Log);
        if (peer is null) return null;
        double oursStart = Rss.ResetPeak();
        double peerStart = peer.ResetPeak();
        var (ours, theirs) = Block(step, peer, stepsPerBlock, warmup: 1, repeats: s.Repeats);
        double oursRss = Rss.PeakMb - oursStart, peerRss = peer.PeakMb() - peerStart;
        s.Log.WriteLine($"{name}: ours {ours * 1000:F0} ms/step, PyTorch {theirs * 1000:F0} ms/step");
        bool images = imagesPerStep > 0;
        return new CaseResult($"{name} vs PyTorch {peer.TorchVersion}", images ? imagesPerStep / ours : ours * 1000, images ? imagesPerStep / theirs : theirs * 1000,
            images ? "img/s" : "ms/step", note, target, HigherIsBetter: images)
        { Group = group, Gflops = flopsPerStep / ours / 1e9, RssMb = oursRss, BaselineRssMb = peerRss };
    }

    public static IEnumerable<CaseResult> ResNet9(BenchSettings s)
    {
        const int batch = 64;
        torch.manual_seed(0);
        var backbone = new ResNet9(3, 1.0);
        var model = nn.Sequential(backbone, nn.Linear(backbone.FeatureSize, 100));
        var x = torch.randn(batch, 3, 32, 32);
        var y = torch.randint(0, 100, [batch], dtype: ScalarType.Int64);
        double fwd = FlopCounter.ForwardFlops(model, x);
        var opt = optim.Adam(model.parameters(), 1e-3);

        void Train()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(model.call(x), y).backward();
            opt.step();
        }

        void Infer()
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.call(x);
        }

        model.train();
        var t = VsPeer($"ResNet-9 train step (3x32x32, batch {batch})", "convolution (vs PyTorch)", Train, $"resnet9-train --batch {batch}",
            s.Quick ? 1 : 2, 3 * fwd, batch, s, note: "Adam; oneDNN convolutions on both sides");
        if (t is not null) yield return t;
        model.eval();
        var i = VsPeer($"ResNet-9 inference (3x32x32, batch {batch})", "convolution (vs PyTorch)", Infer, $"resnet9-infer --batch {batch}",
            s.Quick ? 2 : 4, fwd, batch, s);
        if (i is not null) yield return i;
        opt.Dispose();
        model.Dispose();
    }

    /// <summary>The bilateral network step: two ResNet-9 hemispheres (width 0.5) and the two-output head, end to end.</summary>
    public static IEnumerable<CaseResult> BilateralStep(BenchSettings s)
    {
        const int batch = 64;
        const double width = 0.5;
        torch.manual_seed(0);
        using var net = BilateralNetwork.Create()
            .Left(h => h.ResNet9().Width(width).InputChannels(3))
            .Right(h => h.ResNet9().Width(width).InputChannels(3))
            .Heads(100, 20).Dropout(0.6).Build();
        var x = torch.randn(batch, 3, 32, 32);
        var fine = torch.randint(0, 100, [batch], dtype: ScalarType.Int64);
        var coarse = torch.randint(0, 20, [batch], dtype: ScalarType.Int64);
        double fwd = FlopCounter.ForwardFlops(net, () => net.call(x));
        using var opt = optim.Adam(net.parameters(), 1e-3);
        net.train();

        void Step()
        {
            using var scope = NewDisposeScope();
            var o = net.call(x);
            var loss = F.cross_entropy(o["fine"], fine) + F.cross_entropy(o["coarse"], coarse);
            opt.zero_grad();
            loss.backward();
            opt.step();
        }

        var r = VsPeer($"Bilateral step: 2 ResNet-9 (width {width}) + head (3x32x32, batch {batch})", "convolution (vs PyTorch)", Step,
            $"bilateral-train --batch {batch} --width {width}", s.Quick ? 1 : 2, 3 * fwd, batch, s, note: "fine (100) + coarse (20) heads, dropout 0.6, Adam");
        if (r is not null) yield return r;
    }
}
