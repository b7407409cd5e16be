using System.Text.Json;
using BilateralNeuro.Experiments;
using BilateralNeuro.Tests.Support;
using FluentAssertions;
using Xunit;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Tests.Experiments;

/// <summary>
/// The CLI as a user runs it (issue 20): runs never mix settings, nothing falls back silently, every mistake is one
/// line with exit code 2, --dry-run shows what would run.
/// </summary>
public sealed class CliTrustTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly string[] Commands = ["train", "bilateral", "synchrony", "resources", "face-attention", "beyond"];

    private static void ShouldBeOneLineError(CliProcess.Result r, params string[] mentions)
    {
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().NotContain("   at ", "no stack trace").And.NotContain("Unhandled");
        var errors = r.ErrorLines.Where(l => l.Contains("error:")).ToList();
        errors.Should().HaveCount(1, r.Stderr);
        foreach (var m in mentions) errors[0].Should().Contain(m);
    }

    private static JsonElement DryRun(params string[] args)
    {
        var r = CliProcess.Run([.. args, "--dry-run"]);
        r.ExitCode.Should().Be(0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public void Unparsable_numbers_and_invalid_values_are_all_listed_on_one_line_with_exit_code_2()
    {
        ShouldBeOneLineError(CliProcess.Run(["train", "--epochs", "two"]), "--epochs: 'two' is not a whole number");
        ShouldBeOneLineError(CliProcess.Run(["train", "--epochs", "two", "--seeds", "0", "--width", "0"]),
            "--epochs: 'two'", "--seeds must be at least 1", "--width: 0 is outside (0, 16]");
        ShouldBeOneLineError(CliProcess.Run(["bilateral", "--width", "wide"]), "--width: 'wide' is not a number");
        ShouldBeOneLineError(CliProcess.Run(["resources", "--device", "gpu7"]), "--device: 'gpu7'");
    }

    [Fact]
    public void Width_0_is_refused_before_any_data_is_loaded()
    {
        var r = CliProcess.Run(["train", "--width", "0", "--out", Path.Combine(dir, "w0")]);
        ShouldBeOneLineError(r, "--width");
        r.Stderr.Should().NotContain("Dataset", "validation happens before the data is located or loaded");
        Directory.Exists(Path.Combine(dir, "w0")).Should().BeFalse();
    }

    [Theory]
    [InlineData("train", "imagenet", "not a dataset this tool knows")]
    [InlineData("train", "mnist", "train cannot use mnist")]
    [InlineData("synchrony", "fashion-mnist", "synchrony cannot use fashion-mnist")]
    [InlineData("synchrony", "cifar100", "synchrony cannot use cifar100")]
    [InlineData("resources", "cifar100", "resources cannot use cifar100")]
    [InlineData("face-attention", "mnist", "face-attention cannot use mnist")]
    [InlineData("beyond", "cifar100", "beyond cannot use cifar100")]
    [InlineData("bilateral", "imagenet", "not a dataset this tool knows")]
    public void An_unknown_or_unsupported_dataset_is_refused_before_any_work(string command, string dataset, string message)
    {
        var outDir = Path.Combine(dir, command);
        ShouldBeOneLineError(CliProcess.Run([command, "--dataset", dataset, "--out", outDir]), message);
        Directory.Exists(outDir).Should().BeFalse("nothing ran");
    }

    [Fact]
    public void Cifar100_without_its_files_is_refused_naming_where_it_looked()
    {
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        ShouldBeOneLineError(CliProcess.Run(["train", "--dataset", "cifar100", "--data-dir", empty]), empty, "train.bin", "cifar-100-python/");
        ShouldBeOneLineError(CliProcess.Run(["train", "--dataset", "cifar100"]), "cifar100: not found", "cifar-100-python", "cifar-100-binary");
        ShouldBeOneLineError(CliProcess.Run(["bilateral", "--dataset", "cifar100", "--data-dir", "embedded"]), "no embedded subset");
    }

    [Fact]
    public void Cifar100_python_version_under_a_torchvision_root_is_found_and_recorded()
    {
        var root = Path.Combine(dir, "tv");
        var python = Directory.CreateDirectory(Path.Combine(root, "cifar-100-python")).FullName;
        var corpus = Path.Combine(AppContext.BaseDirectory, "Data", "Corpus", "cifar-python");
        foreach (var (from, to) in new[] { ("py3-proto4-train", "train"), ("py3-proto4-test", "test"), ("py3-proto4-meta", "meta") })
            File.Copy(Path.Combine(corpus, from), Path.Combine(python, to));
        var data = DryRun("bilateral", "--dataset", "cifar-100", "--data-dir", root).GetProperty("Data");
        data.GetProperty("Name").GetString().Should().Be("cifar100");
        data.GetProperty("Source").GetString().Should().Be(python);
        data.GetProperty("Files").GetProperty("train").GetInt64().Should().Be(new FileInfo(Path.Combine(python, "train")).Length);
        data.GetProperty("Files").GetProperty("meta").GetInt64().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Train_on_cifar100_really_reads_cifar100_and_records_the_files()
    {
        var data = Directory.CreateDirectory(Path.Combine(dir, "cifar")).FullName;
        WriteFakeCifar(Path.Combine(data, "train.bin"), 300);
        WriteFakeCifar(Path.Combine(data, "test.bin"), 60);
        var outDir = Path.Combine(dir, "cifar-run");
        var r = CliProcess.Run(["train", "--dataset", "cifar100", "--data-dir", data, "--epochs", "1", "--width", "0.125", "--device", "cpu", "--json", "--out", outDir]);
        r.ExitCode.Should().Be(0, r.Stderr);
        var record = RunRecord.Load(Path.Combine(outDir, "results.json"));
        record.Data.Should().NotBeNull();
        record.Data!.Name.Should().Be("cifar100");
        record.Data.Source.Should().Be(data);
        record.Data.Files.Should().Contain(new KeyValuePair<string, long>("train.bin", 300 * 3074)).And.Contain(new KeyValuePair<string, long>("test.bin", 60 * 3074));
        record.Data.TrainImages.Should().Be(300);
        record.Rows.Should().ContainSingle().Which.Condition.Should().Be("cifar100");
        record.Rows[0].Metrics["parameters"].Should().BeGreaterThan(0);
    }

    private static void WriteFakeCifar(string path, int n)
    {
        var bytes = new byte[n * 3074];
        var rng = new Random(n);
        rng.NextBytes(bytes);
        for (int i = 0; i < n; i++)
        {
            bytes[i * 3074] = (byte)(i % 20);
            bytes[i * 3074 + 1] = (byte)(i % 100);
        }
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Paper_preset_of_train_differs_from_quick_and_never_falls_back_to_the_embedded_subset()
    {
        var quick = DryRun("train");
        quick.GetProperty("Options").GetProperty("Width").GetDouble().Should().Be(0.25);
        quick.GetProperty("Data").GetProperty("Source").GetString().Should().Be("embedded");
        // No full copy anywhere (the test isolates $BILATERALNEURO_DATA and the cache): refused with the way out.
        var refused = CliProcess.Run(["train", "--preset", "paper", "--dry-run"]);
        ShouldBeOneLineError(refused, "fashion-mnist: not found", "--data-dir embedded");
        var paper = DryRun("train", "--preset", "paper", "--data-dir", "embedded");
        paper.GetProperty("Options").GetProperty("Width").GetDouble().Should().Be(1.0);
        paper.GetProperty("Options").GetProperty("Trainer").GetProperty("Epochs").GetInt32().Should().Be(30);
        quick.GetProperty("Options").GetProperty("Trainer").GetProperty("Epochs").GetInt32().Should().Be(4);
    }

    [Fact]
    public void Paper_preset_searches_the_environment_variable_the_cache_and_the_torchvision_root()
    {
        string Fake(string folder)
        {
            Directory.CreateDirectory(folder);
            foreach (var f in new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
                File.WriteAllText(Path.Combine(folder, f), "x");
            return folder;
        }
        var envRoot = Path.Combine(dir, "env");
        var viaEnv = Fake(Path.Combine(envRoot, "fashion-mnist"));
        var r = CliProcess.Run(["train", "--preset", "paper", "--dry-run"], new Dictionary<string, string?> { ["BILATERALNEURO_DATA"] = envRoot });
        r.ExitCode.Should().Be(0, r.Stderr);
        var data = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("Data");
        data.GetProperty("Source").GetString().Should().Be(viaEnv);
        data.GetProperty("Location").GetString().Should().Be("EnvironmentVariable");
        data.GetProperty("Files").GetProperty("train-images-idx3-ubyte.gz").GetInt64().Should().Be(1);

        var cache = Path.Combine(dir, "cache");
        var viaCache = Fake(Path.Combine(cache, "bilateralneuro", "mnist"));
        r = CliProcess.Run(["synchrony", "--preset", "paper", "--dry-run"], new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = cache });
        r.ExitCode.Should().Be(0, r.Stderr);
        JsonDocument.Parse(r.Stdout).RootElement.GetProperty("Data").GetProperty("Source").GetString().Should().Be(viaCache);

        var tvRoot = Path.Combine(dir, "torchvision");
        var raw = Fake(Path.Combine(tvRoot, "FashionMNIST", "raw"));
        DryRun("train", "--data-dir", tvRoot).GetProperty("Data").GetProperty("Source").GetString().Should().Be(raw);
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public void Dry_run_prints_the_resolved_library_options_data_and_units_and_trains_nothing(string command)
    {
        var outDir = Path.Combine(dir, "dry-" + command);
        var doc = DryRun(command, "--epochs", "3", "--threads", "1", "--out", outDir);
        doc.GetProperty("Command").GetString().Should().Be(command);
        doc.GetProperty("Threads").GetProperty("Count").GetInt32().Should().Be(1);
        doc.GetProperty("Units").GetArrayLength().Should().BeGreaterThan(0);
        doc.GetProperty("Data").GetProperty("Name").GetString().Should().NotBeNullOrEmpty();
        doc.GetProperty("Options").ValueKind.Should().Be(JsonValueKind.Object);
        doc.GetProperty("Options").ToString().Should().Contain("3", "--epochs 3 is applied");
        Directory.Exists(outDir).Should().BeFalse("a dry run writes nothing");
    }

    public static TheoryData<string> AllCommands() => new(Commands);

    [Fact]
    public void Dry_run_uses_the_library_option_names()
    {
        var sync = DryRun("synchrony", "--preset", "paper", "--data-dir", "embedded").GetProperty("Options");
        sync.GetProperty("Steps").GetInt32().Should().Be(15);
        sync.GetProperty("KernelSize").GetInt32().Should().Be(13);
        var bilateral = DryRun("bilateral", "--width", "0.5").GetProperty("Options");
        bilateral.GetProperty("Width").GetDouble().Should().Be(0.5);
    }

    [Fact]
    public void Synchrony_dry_run_shows_the_reference_regime_by_default_and_the_reference_preset_with_an_hours_estimate()
    {
        var quick = DryRun("synchrony");
        var o = quick.GetProperty("Options");
        o.GetProperty("Steps").GetInt32().Should().Be(15);
        o.GetProperty("KernelSize").GetInt32().Should().Be(13);
        o.GetProperty("MapSize").GetInt32().Should().Be(24);
        o.GetProperty("Epsilon").GetDouble().Should().BeApproximately(0.202 * 32 * 32 / (24 * 24), 1e-9);
        var units = quick.GetProperty("Units").EnumerateArray().Select(u => u.GetString()!).ToList();
        units.Should().Contain(u => u.StartsWith("regime: ") && u.Contains("inside the reference regime"));
        units.Should().NotContain(u => u.StartsWith("regime warning"));
        units.Should().Contain(u => u.StartsWith("estimate: total"));

        var reference = DryRun("synchrony", "--preset", "reference", "--data-dir", "embedded", "--shard", "2/5");
        var ro = reference.GetProperty("Options");
        ro.GetProperty("TrainImages").GetInt32().Should().Be(60000);
        ro.GetProperty("MapSize").GetInt32().Should().Be(32);
        ro.GetProperty("Training").GetProperty("BatchSize").GetInt32().Should().Be(256);
        ro.GetProperty("Models").EnumerateArray().Select(m => m.GetString()).Should().Equal("KomplexNet");
        var runits = reference.GetProperty("Units").EnumerateArray().Select(u => u.GetString()!).ToList();
        runits.Where(u => u.StartsWith("KomplexNet seed")).Should().HaveCount(5);
        runits.Should().Contain(u => u.StartsWith("estimate: total") && u.Contains("CPU hours"));

        var old = DryRun("synchrony", "--steps", "3", "--kernel", "5", "--map-size", "32");
        old.GetProperty("Options").GetProperty("Epsilon").GetDouble().Should().BeApproximately(0.202, 1e-9);
        old.GetProperty("Units").EnumerateArray().Select(u => u.GetString()!).Should().Contain(u => u.StartsWith("regime warning: "));
    }

    [Fact]
    public void Synchrony_refuses_an_unknown_model_and_preset_reference_elsewhere_in_one_line()
    {
        ShouldBeOneLineError(CliProcess.Run(["synchrony", "--models", "KomplexNet,Nope", "--dry-run"]), "--models", "'Nope'");
        ShouldBeOneLineError(CliProcess.Run(["bilateral", "--preset", "reference", "--dry-run"]), "--preset", "'reference'");
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public void Every_command_ties_its_checkpoints_to_the_resolved_options(string command)
    {
        var plan = (string[] extra) => CliTestHooks.Fingerprint([command, "--epochs", "2", .. extra]);
        var baseline = plan([]);
        plan([]).Should().Be(baseline, "the same command resumes");
        plan(["--out", "/elsewhere", "--threads", "1", "--json"]).Should().Be(baseline, "output-only options do not change results");
        CliTestHooks.Fingerprint([command, "--epochs", "3"]).Should().NotBe(baseline);
        CliTestHooks.Fingerprint([command, "--epochs", "2", "--preset", "paper", "--data-dir", "embedded"]).Should().NotBe(baseline, "the preset changes the resolved options");
    }

    [Fact]
    public void Train_with_other_options_sets_the_old_checkpoints_aside_and_records_what_ran()
    {
        var outDir = Path.Combine(dir, "r1");
        var clockBefore = DateTime.UtcNow;
        string[] common = ["train", "--epochs", "1", "--device", "cpu", "--json", "--out", outDir];
        var first = CliProcess.Run([.. common, "--train-limit", "400", "--width", "0.125"]);
        first.ExitCode.Should().Be(0, first.Stderr);
        var second = CliProcess.Run([.. common, "--train-limit", "300", "--width", "0.125"]);
        second.ExitCode.Should().Be(0, second.Stderr);
        second.Stderr.Should().Contain("written with other options");
        Directory.GetDirectories(outDir, "checkpoints.other-options-*").Should().ContainSingle("the first run's weights are kept aside, not reused");
        // A different width would not even load the old weights; it must start afresh too.
        var third = CliProcess.Run([.. common, "--train-limit", "300", "--width", "0.25"]);
        third.ExitCode.Should().Be(0, third.Stderr);
        third.Stderr.Should().NotContain("Mismatched");

        var record = RunRecord.Load(Path.Combine(outDir, "results.json"));
        record.Options["--width"].Should().Be("0.25");
        record.Rows[0].Metrics.Should().NotContainKey("resumed from epoch", "not a metric to average");
        record.StartedUtc.Should().BeOnOrAfter(clockBefore.AddSeconds(-1));
        var written = File.GetLastWriteTimeUtc(Path.Combine(outDir, "results.json"));
        record.StartedUtc.AddSeconds(record.WallSeconds).Should().BeCloseTo(written, TimeSpan.FromSeconds(2), "StartedUtc is the start, not the end");
        record.Data!.Source.Should().Be("embedded");
        File.ReadAllLines(Path.Combine(outDir, "metrics-steps.csv"))[0].Should().Be("stage,epoch,step,steps,loss,accuracy");
        File.ReadAllText(Path.Combine(outDir, "metrics-epochs.csv")).Should().Contain("seed 0,1,validation,fine/accuracy,");
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Contain("- data: fashion-mnist from embedded");
    }

    [Fact]
    public void Tensorboard_option_writes_event_files()
    {
        var outDir = Path.Combine(dir, "tb-run");
        var tb = Path.Combine(dir, "tb");
        var r = CliProcess.Run(["train", "--epochs", "1", "--train-limit", "200", "--width", "0.125", "--device", "cpu", "--json", "--out", outDir, "--tensorboard", tb]);
        r.ExitCode.Should().Be(0, r.Stderr);
        Directory.GetFiles(tb, "events.out.tfevents.*", SearchOption.AllDirectories).Should().NotBeEmpty();
    }

    [Fact]
    public void Report_refuses_ordinary_mistakes_with_one_line_each_listing_every_problem()
    {
        var a = WriteRun("a", "train", new() { ["--epochs"] = "2" }, seed: 0);
        var b = WriteRun("b", "train", new() { ["--epochs"] = "3" }, seed: 1);
        var c = WriteRun("c", "resources", new() { ["--epochs"] = "2" }, seed: 2);
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty-run")).FullName;

        ShouldBeOneLineError(CliProcess.Run(["report", empty]), "no results.json");
        ShouldBeOneLineError(CliProcess.Run(["report", a, a]), "given 2 times");
        ShouldBeOneLineError(CliProcess.Run(["report", a, c]), "is a 'resources' run");
        ShouldBeOneLineError(CliProcess.Run(["report", a, b]), "other options", "--epochs 2 vs 3");
        ShouldBeOneLineError(CliProcess.Run(["report", a, b, empty]), "--epochs 2 vs 3", "no results.json");

        var shard = WriteRun("a2", "train", new() { ["--epochs"] = "2", ["--shard"] = "2/2", ["--out"] = "x" }, seed: 5);
        var ok = CliProcess.Run(["report", a, shard]);
        ok.ExitCode.Should().Be(0, ok.Stderr);
        ok.Stdout.Should().Contain("| 2 |", "two seeds merged");
    }

    private string WriteRun(string name, string experiment, Dictionary<string, string> options, int seed)
    {
        var folder = Path.Combine(dir, name);
        new RunRecord
        {
            Experiment = experiment, Command = "test", Options = options, Seeds = [seed],
            Rows = [new ResultRow("m", "-", seed, new Dictionary<string, double> { ["accuracy"] = 0.5 + seed / 100.0 })],
        }.Write(folder);
        return folder;
    }
}
