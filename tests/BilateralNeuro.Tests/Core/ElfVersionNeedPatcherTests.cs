using BilateralNeuro.Core.Native;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Core;

public sealed class ElfVersionNeedPatcherTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-elf-").FullName;

    /// <summary>The unpatched library as shipped in TorchSharp's NuGet package (read only, never written).</summary>
    private static string ShippedLibrary()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        File.Exists(path).Should().BeTrue($"TorchSharp's package should be restored at {path}");
        return path;
    }

    private string CopyOfShipped()
    {
        var copy = Path.Combine(dir, "libLibTorchSharp.so");
        File.Copy(ShippedLibrary(), copy, overwrite: true);
        return copy;
    }

    private static HashSet<string> EverythingButGcc13(byte[] elf) =>
        ElfVersionNeedPatcher.ReadVersionNeeds(elf, "lib").Select(n => n.Name).Where(n => n != "GLIBCXX_3.4.32").ToHashSet();

    [Fact]
    public void Shipped_library_needs_GLIBCXX_3_4_32_only_as_an_unrelocated_pin()
    {
        var bytes = File.ReadAllBytes(ShippedLibrary());
        var need = ElfVersionNeedPatcher.ReadVersionNeeds(bytes, "lib").Single(n => n.Name == "GLIBCXX_3.4.32");
        need.File.Should().Be("libstdc++.so.6");
        need.IsWeak.Should().BeFalse();
        ElfVersionNeedPatcher.RelocatedSymbolsOfVersion(bytes, "lib", need.Index).Should().BeEmpty();
    }

    [Fact]
    public void Patch_marks_only_the_missing_version_weak_and_changes_nothing_else()
    {
        var path = CopyOfShipped();
        var before = File.ReadAllBytes(path);
        var available = EverythingButGcc13(before);

        ElfVersionNeedPatcher.Patch(path, available).Should().Be(ElfPatchOutcome.Patched);

        var after = File.ReadAllBytes(path);
        after.Length.Should().Be(before.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var needBefore = ElfVersionNeedPatcher.ReadVersionNeeds(before, "lib");
        var target = needBefore.Single(n => n.Name == "GLIBCXX_3.4.32");
        changed.Should().OnlyContain(i => i == target.FlagsOffset || i == target.FlagsOffset + 1);
        changed.Should().NotBeEmpty();
        var needAfter = ElfVersionNeedPatcher.ReadVersionNeeds(after, "lib");
        needAfter.Single(n => n.Name == "GLIBCXX_3.4.32").IsWeak.Should().BeTrue();
        needAfter.Where(n => n.Name != "GLIBCXX_3.4.32").Select(n => (n.Name, n.Flags))
            .Should().Equal(needBefore.Where(n => n.Name != "GLIBCXX_3.4.32").Select(n => (n.Name, n.Flags)));
    }

    [Fact]
    public void Patch_is_idempotent()
    {
        var path = CopyOfShipped();
        var available = EverythingButGcc13(File.ReadAllBytes(path));
        ElfVersionNeedPatcher.Patch(path, available).Should().Be(ElfPatchOutcome.Patched);
        var once = File.ReadAllBytes(path);
        ElfVersionNeedPatcher.Patch(path, available).Should().Be(ElfPatchOutcome.AlreadyPatched);
        File.ReadAllBytes(path).Should().Equal(once);
    }

    [Fact]
    public void Patch_does_nothing_when_every_version_is_available()
    {
        var path = CopyOfShipped();
        var before = File.ReadAllBytes(path);
        var all = ElfVersionNeedPatcher.ReadVersionNeeds(before, "lib").Select(n => n.Name).ToHashSet();
        ElfVersionNeedPatcher.Patch(path, all).Should().Be(ElfPatchOutcome.NotNeeded);
        File.ReadAllBytes(path).Should().Equal(before);
    }

    [Fact]
    public void Patch_refuses_to_weaken_a_version_whose_symbols_are_relocated()
    {
        var path = CopyOfShipped();
        var before = File.ReadAllBytes(path);
        var available = EverythingButGcc13(before);
        available.Remove("GLIBCXX_3.4.30");   // really used by relocations

        var act = () => ElfVersionNeedPatcher.Patch(path, available);

        act.Should().Throw<InvalidDataException>().WithMessage("*GLIBCXX_3.4.30*relocations*");
        File.ReadAllBytes(path).Should().Equal(before);
    }

    [Fact]
    public void Patch_leaves_the_source_of_a_hard_link_untouched()
    {
        var original = CopyOfShipped();
        var before = File.ReadAllBytes(original);
        var link = Path.Combine(dir, "linked.so");
        var ln = System.Diagnostics.Process.Start("ln", [original, link])!;
        ln.WaitForExit();
        ln.ExitCode.Should().Be(0);

        ElfVersionNeedPatcher.Patch(link, EverythingButGcc13(before)).Should().Be(ElfPatchOutcome.Patched);

        File.ReadAllBytes(original).Should().Equal(before, "the rename must replace the link, not write through it");
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("wrong-magic")]
    [InlineData("32-bit")]
    [InlineData("bad-section-table")]
    [InlineData("tiny")]
    public void Malformed_input_gets_a_clear_error_and_the_file_is_untouched(string kind)
    {
        var good = File.ReadAllBytes(ShippedLibrary());
        byte[] bad = kind switch
        {
            "truncated" => good[..4096],
            "wrong-magic" => [.. "\u007fELG"u8, .. good[4..]],
            "32-bit" => [.. good[..4], 1, .. good[5..]],
            "bad-section-table" => Corrupt(good, 0x28, 0xFF),
            _ => [0x7f, (byte)'E', (byte)'L', (byte)'F'],
        };
        var path = Path.Combine(dir, kind + ".so");
        File.WriteAllBytes(path, bad);

        var act = () => ElfVersionNeedPatcher.Patch(path, new HashSet<string>());

        act.Should().Throw<InvalidDataException>().WithMessage($"*{kind}.so*malformed ELF*");
        File.ReadAllBytes(path).Should().Equal(bad);
    }

    private static byte[] Corrupt(byte[] source, int offset, byte value)
    {
        var copy = (byte[])source.Clone();
        for (int i = 0; i < 8; i++) copy[offset + i] = value;
        return copy;
    }

    [Fact]
    public void System_libstdcxx_versions_are_read_from_its_version_definitions()
    {
        var versions = ElfVersionNeedPatcher.SystemLibStdCxxVersions();
        versions.Should().NotBeNull();
        versions!.Should().Contain("GLIBCXX_3.4").And.Contain("CXXABI_1.3");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
