using BilateralNeuro.Bilateral;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Conventions;

public class ApiConventionTests
{
    private static readonly System.Reflection.Assembly Library = typeof(BilateralNetwork).Assembly;

    [Fact]
    public void No_public_type_is_named_like_its_namespace()
    {
        // A type named like the last segment of its namespace (BilateralNeuro.Attention.Attention) cannot be named from
        // a sibling namespace without an alias; the .NET design guidelines forbid it.
        var clashes = Library.GetExportedTypes()
            .Where(t => t.Namespace is not null)
            .Where(t => StripArity(t.Name) == t.Namespace!.Split('.')[^1])
            .Select(t => t.FullName)
            .ToList();
        clashes.Should().BeEmpty("a public type named like its namespace forces callers to write aliases");
        Library.GetExportedTypes().Should().Contain(t => t.Namespace == "BilateralNeuro.Attention", "the check must see the library's types");
    }

    private static string StripArity(string name) => name.Split('`')[0];
}
