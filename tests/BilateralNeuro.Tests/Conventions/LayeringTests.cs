using System.Reflection;
using System.Text.RegularExpressions;
using BilateralNeuro.Bilateral;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Conventions;

public class LayeringTests
{
    // Core is the top layer (docs/architecture.md): it may use nothing of the library's other namespaces.
    private static readonly string[] Lower = ["Data", "Backbones", "Bilateral", "Synchrony", "Resources", "Attention", "Beyond", "Training", "Analysis", "Reporting", "Experiments"];

    [Fact]
    public void Core_types_reference_no_type_of_a_lower_layer() =>
        Offending("Core", Lower).Should().BeEmpty();

    [Fact]
    public void Reporting_types_reference_no_experiment_analysis_or_paper_type()
    {
        // Reporting (run records, result tables, CSV, sharding) sits between Training and Experiments: experiments and
        // the CLI use it; it knows nothing of the experiments, the paper folders or Analysis.
        string[] below = ["Bilateral", "Synchrony", "Resources", "Attention", "Beyond", "Analysis", "Experiments"];
        var library = typeof(BilateralNetwork).Assembly;
        library.GetTypes().Should().Contain(t => t.Namespace == "BilateralNeuro.Reporting", "Reporting holds the run records and result tables");
        Offending("Reporting", below).Should().BeEmpty();
    }

    [Fact]
    public void Experiments_folder_holds_no_run_record_csv_sharding_saliency_or_benchmark()
    {
        var library = typeof(BilateralNetwork).Assembly;
        string[] moved = ["RunRecord", "DataUsed", "Shard", "ResultTable", "ResultRow", "ResourceCsv", "FaceAttentionSaliency", "SynchronyBenchmark"];
        library.GetTypes().Where(t => t.Namespace == "BilateralNeuro.Experiments" && moved.Contains(t.Name)).Select(t => t.Name)
            .Should().BeEmpty("run records, CSV, sharding and result tables live in Reporting, saliency in Analysis, the benchmark in Synchrony");
    }

    // Every "X uses Y" where a type of namespace BilateralNeuro.<layer> uses a type of one of <paramref name="forbidden"/>.
    private static List<string> Offending(string layer, string[] forbidden)
    {
        var library = typeof(BilateralNetwork).Assembly;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offending = new List<string>();
        var ns = "BilateralNeuro." + layer;
        foreach (var t in library.GetTypes().Where(t => t.Namespace is { } n && (n == ns || n.StartsWith(ns + ".", StringComparison.Ordinal))))
        {
            var used = new List<Type?> { t.BaseType };
            used.AddRange(t.GetInterfaces());
            used.AddRange(t.GetFields(all).Select(f => f.FieldType));
            used.AddRange(t.GetProperties(all).Select(p => p.PropertyType));
            foreach (var m in t.GetMethods(all))
            {
                used.Add(m.ReturnType);
                used.AddRange(m.GetParameters().Select(p => p.ParameterType));
                used.AddRange(m.GetMethodBody()?.LocalVariables.Select(l => l.LocalType) ?? []);
            }
            used.AddRange(t.GetConstructors(all).SelectMany(c => c.GetParameters().Select(p => p.ParameterType)));
            foreach (var u in used.Where(u => u is not null).SelectMany(Flatten))
                if (IsIn(u.Namespace, forbidden)) offending.Add($"{t.FullName} uses {u.FullName}");
        }
        return offending.Distinct().ToList();
    }

    [Fact]
    public void Core_sources_import_no_lower_layer()
    {
        var core = Path.Combine(RepositoryRoot(), "src", "BilateralNeuro", "Core");
        var files = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories);
        files.Should().NotBeEmpty();
        var pattern = new Regex(@"^\s*using\s+(static\s+)?(\w+\s*=\s*)?BilateralNeuro\.(" + string.Join('|', Lower) + @")\b|\bBilateralNeuro\.(" + string.Join('|', Lower) + @")\.", RegexOptions.Multiline);
        var offending = files.Where(f => pattern.IsMatch(File.ReadAllText(f))).Select(Path.GetFileName).ToList();
        offending.Should().BeEmpty("Core must import nothing from the layers below it (e.g. Training)");
    }

    private static IEnumerable<Type> Flatten(Type? t)
    {
        if (t is null) yield break;
        yield return t;
        if (t.HasElementType) foreach (var e in Flatten(t.GetElementType())) yield return e;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments().SelectMany(Flatten)) yield return a;
    }

    private static bool IsIn(string? ns, string[] layers) =>
        ns is not null && layers.Any(l => ns == "BilateralNeuro." + l || ns.StartsWith("BilateralNeuro." + l + ".", StringComparison.Ordinal));

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "BilateralNeuro.sln"))) return d.FullName;
        throw new InvalidOperationException("Repository root (BilateralNeuro.sln) not found above " + AppContext.BaseDirectory);
    }
}
