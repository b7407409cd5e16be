using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Synchrony;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// In-process micro benchmarks with BenchmarkDotNet (run with --micro [BDN filter args]): the per-call cost of the
/// input guards, of a BatchSource batch, and of one Kuramoto coupling (forward only) per path.
/// </summary>
public static class Micro
{
    public static int Run(string[] bdnArgs)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkSwitcher.FromTypes([typeof(GuardAndBatches), typeof(Coupling)]).Run(bdnArgs.Length == 0 ? ["--filter", "*"] : bdnArgs, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}

[MemoryDiagnoser]
public class GuardAndBatches
{
    private Tensor images = null!;
    private BatchSource source = null!;
    private long[] indices = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(2);
        images = torch.randn(64, 3, 32, 32);
        var (train, _) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
        source = new BatchSource(train, 64, augmentation: Augmentation.CropAndFlip, normalization: Normalization.FashionMnist, seed: 1);
        indices = source.IndexBatches(1).First();
    }

    [Benchmark(Description = "Guard.ImageBatch (64x3x32x32)")]
    public void Guard_ImageBatch() => Guard.ImageBatch(images, 3, "Bench", minSize: 8);

    [Benchmark(Description = "BatchSource.Load, batch 64, crop+flip+normalise")]
    public void BatchSource_Load()
    {
        using var scope = NewDisposeScope();
        source.Load(indices, augment: true);
    }
}

[MemoryDiagnoser]
public class Coupling
{
    private Tensor bc = null!, bs = null!;
    private readonly Dictionary<CouplingPath, CouplingPlan> plans = [];
    private KuramotoSyncLayer layer = null!;

    [Params(CouplingPath.Direct, CouplingPath.Batched, CouplingPath.Fft, CouplingPath.ComplexFft)]
    public CouplingPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(2);
        torch.manual_seed(0);
        bc = torch.randn(64, 8, 32, 32);
        bs = torch.randn(64, 8, 32, 32);
        layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = 8, KernelSize = 13, Coupling = Path });
        plans[Path] = layer.Plan(32, 32);
    }

    [Benchmark(Description = "Kuramoto coupling, one step, forward (64x8x32x32, 13x13)")]
    public void Apply()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        plans[Path].Apply(bc, bs);
    }
}
