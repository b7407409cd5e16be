namespace BilateralNeuro.Backbones;

/// <summary>
/// The one width-scaling rule of every backbone: a layer of <c>c</c> channels at width multiplier <c>w</c> gets
/// <c>max(1, round(c·w))</c> channels (round half to even, as <see cref="Math.Round(double)"/>).
/// </summary>
public static class ChannelWidth
{
    /// <summary>Largest width multiplier a backbone accepts.</summary>
    public const double MaxMultiplier = 16;

    /// <summary>Channels of a layer with <paramref name="channels"/> channels at width 1, scaled by <paramref name="width"/>.</summary>
    public static int Scale(int channels, double width) => Math.Max(1, (int)Math.Round(channels * width));

    /// <summary>Throws unless <paramref name="width"/> lies in (0, <paramref name="max"/>].</summary>
    /// <param name="width">The multiplier to check.</param>
    /// <param name="network">Name used in the message, e.g. <c>ResNet9</c>.</param>
    /// <param name="max">Upper bound (default <see cref="MaxMultiplier"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The multiplier is outside (0, max] or not a number.</exception>
    public static void Check(double width, string network, double max = MaxMultiplier)
    {
        if (!(width > 0 && width <= max))
            throw new ArgumentOutOfRangeException(nameof(width), width, $"{network}: width multiplier must lie in (0, {max}] (got {width}).");
    }
}
