// Probe of where the bilateral VGG-11 rows spend CPU (docs/bilateral-run/vgg-cpu): trains the quick preset's
// unilateral / specialised / end-to-end VGG-11 (width 0.0625) or ResNet-9 (width 0.125) models on the embedded data, as
// BilateralExperiment does, and prints CPU, wall, GC counts and RSS per model.
//   dotnet run -c Release -- MODES THREADS [REPEATS]    MODES: comma list of vgg-uni, res-uni, vgg-spec, res-spec, vgg-e2e, res-e2e
//   PROBE_GC=1: full GC between models; PROBE_NOMKLDNN=1: LibTorch's oneDNN off (at::Context::setUserEnabledMkldnn, Linux only).
using System.Diagnostics;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.EnsureLoaded();
TorchRuntime.SetThreads(int.Parse(args.Length > 1 ? args[1] : "1"));
string mode = args[0];
if (Environment.GetEnvironmentVariable("PROBE_NOMKLDNN") == "1") { Mk.Set(false); Console.WriteLine($"mkldnn enabled: {Mk.Get()}"); }
var (all, test) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
using var train0 = all.Take(2500);
var (tr, val) = train0.SplitValidation(0.1, 0);
var o = BilateralExperimentOptions.Quick();
var t = o.Training.ForProtocol(TrainingProtocol.Clean);
t.Seed = 0;
var protocol = new BilateralProtocol(t, CPU);
var heads = new List<HeadDefinition> { new("fine", 10), new("coarse", 4) };
var proc = Process.GetCurrentProcess();
double Cpu() { proc.Refresh(); return proc.TotalProcessorTime.TotalSeconds; }
double c0 = Cpu(); var w = Stopwatch.StartNew();
void Report(string what) { Console.WriteLine("   stats: " + TorchSharp.DisposeScopeManager.Statistics.ToString()); double c = Cpu(); Console.WriteLine($"{what}: cpu {c - c0:F2} s, wall {w.Elapsed.TotalSeconds:F2} s, gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, managed {GC.GetTotalMemory(false)/1e6:F0} MB, rss {Environment.WorkingSet/1e6:F0} MB"); c0 = c; w.Restart(); }
int reps = args.Length > 2 ? int.Parse(args[2]) : 1;
for (int rep = 0; rep < reps; rep++)
foreach (var m in mode.Split(','))
{
    Seeding.Seed(0);
    Hemisphere H(LabelLevel? l) => m.StartsWith("vgg") ? Hemisphere.From(new OriginalVgg11(1, 0.0625), l) : (l is { } ll ? Hemisphere.ResNet9().Width(0.125).InputChannels(1).Specialize(ll).Build() : Hemisphere.ResNet9().Width(0.125).InputChannels(1).Build());
    if (m.EndsWith("uni"))
    {
        using var net = new UnilateralNetwork(H(null), heads, 0.6);
        protocol.TrainEndToEnd(net, heads, tr, val, 100, null, default, "x");
    }
    else if (m.EndsWith("spec"))
    {
        using var net = BilateralNetwork.Create().Left(H(LabelLevel.Fine)).Right(H(LabelLevel.Coarse)).Heads(heads.ToArray()).Dropout(0.6).Build();
        var r = protocol.TrainSpecialized(net, tr, val);
        Console.WriteLine($"  stage1 epoch {r.Stage1EpochSeconds:F2}s stage2 epoch {r.Stage2EpochSeconds:F3}s cache {r.CacheSeconds:F2}s");
        r.LeftClassifier.Dispose(); r.RightClassifier.Dispose();
    }
    else if (m.EndsWith("e2e"))
    {
        using var net = BilateralNetwork.Create().Left(H(null)).Right(H(null)).Heads(heads.ToArray()).Dropout(0.6).Build();
        protocol.TrainEndToEnd(net, heads, tr, val, 0, null, default, "bilateral");
    }
    Report(m);
    if (Environment.GetEnvironmentVariable("PROBE_GC") == "1") { GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect(); Report("  after GC"); }
}

static class Mk
{
    [System.Runtime.InteropServices.DllImport("torch_cpu", EntryPoint = "_ZN2at13globalContextEv")] static extern IntPtr Ctx();
    [System.Runtime.InteropServices.DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")] static extern void SetE(IntPtr c, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.U1)] bool e);
    [System.Runtime.InteropServices.DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")] [return: System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.U1)] static extern bool GetE(IntPtr c);
    public static void Set(bool e) => SetE(Ctx(), e);
    public static bool Get() => GetE(Ctx());
}
