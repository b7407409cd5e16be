using System.Globalization;
using System.Text;
using BilateralNeuro.Training;

namespace BilateralNeuro.Reporting;

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

    /// <summary>
    /// Reads a reaction-time CSV with the header <c>image_id,rt_ms</c> (extra columns ignored): one row per image,
    /// image ids non-negative integers, reaction times finite and positive, each id at most once.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is empty, not UTF-8 text, or a row is malformed, duplicated or
    /// out of range; the message names the file, the line and its byte offset.</exception>
    public static Dictionary<int, double> ReadReactionTimes(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException e) { throw new InvalidDataException($"{path}: not UTF-8 text (byte {e.Index}); expected a CSV 'image_id,rt_ms'.", e); }
        var result = new Dictionary<int, double>();
        int id = -1, rt = -1, lineNo = 0, offset = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            int lineOffset = offset;
            offset += Encoding.UTF8.GetByteCount(raw) + 1;
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            if (id < 0)
            {
                var header = cells.Select(h => h.Trim().ToLowerInvariant()).ToList();
                id = header.IndexOf("image_id");
                rt = header.IndexOf("rt_ms");
                if (id < 0 || rt < 0)
                    throw new InvalidDataException($"{path}: line {lineNo} (byte {lineOffset}): expected a header with columns image_id and rt_ms, got '{Shorten(line)}'.");
                continue;
            }
            if (cells.Length <= Math.Max(id, rt)
                || !int.TryParse(cells[id].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var key) || key < 0
                || !double.TryParse(cells[rt].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value) || value <= 0)
                throw new InvalidDataException($"{path}: line {lineNo} (byte {lineOffset}) '{Shorten(line)}' is not 'image_id,rt_ms' with an id >= 0 and a positive time.");
            if (!result.TryAdd(key, value))
                throw new InvalidDataException($"{path}: line {lineNo} (byte {lineOffset}): image_id {key} appears twice.");
        }
        if (id < 0) throw new InvalidDataException($"{path}: empty reaction-time file; expected a header 'image_id,rt_ms'.");
        return result;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "...";

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
