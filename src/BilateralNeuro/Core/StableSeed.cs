namespace BilateralNeuro.Core;

/// <summary>
/// Derives seeds from parts (a base seed, an epoch, a name) identically in every process. <see cref="HashCode"/>
/// is randomised per process, so seeds built with it make runs unrepeatable across processes (and break exact resume).
/// </summary>
public static class StableSeed
{
    /// <summary>A non-negative 31-bit seed from integer parts (SplitMix64 mixing).</summary>
    public static int Of(params long[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var p in parts) h = Mix(h ^ (ulong)p);
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>A non-negative 31-bit seed from a base seed and text parts (FNV-1a over UTF-16 code units, then mixed).</summary>
    public static int Of(int seed, params string[] parts)
    {
        ulong h = 14695981039346656037UL;
        foreach (var part in parts)
        {
            foreach (var c in part) { h ^= c; h *= 1099511628211UL; }
            h ^= '|'; h *= 1099511628211UL;
        }
        return Of(seed, (long)h);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
