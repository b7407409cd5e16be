using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Resources;

/// <summary>A tiny two-class task: a horizontal or a vertical bar at a random place, with pixel noise.</summary>
internal static class SyntheticBars
{
    public static LabeledImages Create(int n, int seed, int size = 12)
    {
        var rng = new Random(seed);
        var pixels = new byte[n * size * size];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int cls = rng.Next(2);
            labels[i] = cls;
            int pos = rng.Next(2, size - 2), start = rng.Next(0, 3), len = size - 3 - rng.Next(0, 3);
            for (int k = 0; k < size * size; k++) pixels[i * size * size + k] = (byte)rng.Next(0, 60);
            for (int j = start; j < start + len; j++)
            {
                int y = cls == 0 ? pos : j, x = cls == 0 ? j : pos;
                pixels[i * size * size + y * size + x] = 255;
            }
        }
        var images = torch.tensor(pixels, ScalarType.Byte).reshape(n, 1, size, size);
        return new LabeledImages("bars", images, new Dictionary<string, Tensor> { [LabelLevels.Fine] = torch.tensor(labels) });
    }
}
