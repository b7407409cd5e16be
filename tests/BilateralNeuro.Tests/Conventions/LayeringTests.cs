using System.Reflection;
using System.Text.RegularExpressions;
using BilateralNeuro.Bilateral;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Conventions;

public class LayeringTests
{
    // Core is the top layer (docs/architecture.md): it may use nothing of the library's other namespaces.
    private static readonly string[] Lower = ["Data", "Backbones", "Bilateral", "Synchrony", "Resources", "Attention", "Beyond", "Training", "Analysis", "Experiments"];

    [Fact]
    public void Core_types_reference_no_type_of_a_lower_layer()
    {
        var library = typeof(BilateralNetwork).Assembly;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offending = new List<string>();
        foreach (var t in library.GetTypes().Where(t => t.Namespace is { } ns && (ns == "BilateralNeuro.Core" || ns.StartsWith("BilateralNeuro.Core.", StringComparison.Ordinal))))
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
                if (IsLower(u.Namespace)) offending.Add($"{t.FullName} uses {u.FullName}");
        }
        offending.Distinct().Should().BeEmpty();
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

    private static bool IsLower(string? ns) =>
        ns is not null && Lower.Any(l => ns == "BilateralNeuro." + l || ns.StartsWith("BilateralNeuro." + l + ".", StringComparison.Ordinal));

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "BilateralNeuro.sln"))) return d.FullName;
        throw new InvalidOperationException("Repository root (BilateralNeuro.sln) not found above " + AppContext.BaseDirectory);
    }
}
