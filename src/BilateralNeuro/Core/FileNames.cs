using System.Text;

namespace BilateralNeuro.Core;

/// <summary>File-name helpers shared by checkpoints and journals.</summary>
public static class FileNames
{
    /// <summary>A file-name-safe form of a name (ASCII letters, digits, '-', '_', '.'; other characters become '_').</summary>
    /// <exception cref="ArgumentException">The name is empty or white space.</exception>
    public static string Slug(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("FileNames.Slug: the name is empty.", nameof(name));
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.ToString();
    }
}
