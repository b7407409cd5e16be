using System.Globalization;
using System.Text;
using BilateralNeuro.Training;

namespace BilateralNeuro.Experiments;

/// <summary>Writes result rows (records) as CSV (header from the property names, invariant culture, atomic).</summary>
public static class ResourceCsv
{
    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/>.</summary>
    public static void Write<T>(string path, IEnumerable<T> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var props = typeof(T).GetProperties().Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract").ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', props.Select(p => p.Name)));
        foreach (var row in rows)
            sb.AppendLine(string.Join(',', props.Select(p => Format(p.GetValue(row)))));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, s => { var bytes = Encoding.UTF8.GetBytes(sb.ToString()); s.Write(bytes); });
    }

    /// <summary>Reads a reaction-time CSV with the header <c>image_id,rt_ms</c> (extra columns ignored).</summary>
    /// <exception cref="FormatException">The header or a row is malformed.</exception>
    public static Dictionary<int, double> ReadReactionTimes(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        if (lines.Length == 0) throw new FormatException($"{path}: empty reaction-time file; expected a header 'image_id,rt_ms'.");
        var header = lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToList();
        int id = header.IndexOf("image_id"), rt = header.IndexOf("rt_ms");
        if (id < 0 || rt < 0) throw new FormatException($"{path}: expected a header with columns image_id and rt_ms, got '{lines[0]}'.");
        var result = new Dictionary<int, double>();
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length <= Math.Max(id, rt)
                || !int.TryParse(cells[id].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var key)
                || !double.TryParse(cells[rt].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new FormatException($"{path}: line {i + 1} '{lines[i]}' is not 'image_id,rt_ms'.");
            result[key] = value;
        }
        return result;
    }

    private static string Format(object? v) => v switch
    {
        null => "",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        string s => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
