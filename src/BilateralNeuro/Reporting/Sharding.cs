namespace BilateralNeuro.Reporting;

/// <summary>A deterministic slice <c>i/n</c> of a sweep (1-based i), for job arrays on a scheduler such as Slurm.</summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole sweep.</summary>
    public static Shard All { get; } = new(1, 1);

    /// <summary>Parses <c>i/n</c>, e.g. <c>2/4</c>.</summary>
    /// <exception cref="ArgumentException">Not of the form i/n with 1 ≤ i ≤ n.</exception>
    public static Shard Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return All;
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n < 1 || i < 1 || i > n)
            throw new ArgumentException($"--shard: '{text}' is not a shard; expected i/n with 1 <= i <= n, e.g. 2/4.", nameof(text));
        return new Shard(i, n);
    }

    /// <summary>The items of the sweep this shard runs: every n-th item starting at i-1, in order.</summary>
    public IEnumerable<T> Select<T>(IEnumerable<T> sweep)
    {
        int count = Count, index = Index;
        return sweep.Where((_, k) => k % count == index - 1);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";
}
