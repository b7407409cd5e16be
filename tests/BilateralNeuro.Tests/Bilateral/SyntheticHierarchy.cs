using BilateralNeuro.Data;
using TorchSharp;

namespace BilateralNeuro.Tests.Bilateral;

/// <summary>Tiny labelled images: 6 fine classes (a bright patch at one of 6 places), coarse = fine / 2 (3 groups).</summary>
internal static class SyntheticHierarchy
{
    public static LabeledImages Create(int count, int seed, int size = 12)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * size * size];
        var fine = new long[count];
        for (int i = 0; i < count; i++)
        {
            int c = rng.Next(6);
            fine[i] = c;
            int r0 = (c / 3) * (size / 2) + 1, c0 = (c % 3) * (size / 3) + 1;
            for (int p = 0; p < size * size; p++) pixels[i * size * size + p] = (byte)rng.Next(0, 60);
            for (int dy = 0; dy < 3; dy++)
                for (int dx = 0; dx < 3; dx++)
                    pixels[i * size * size + (r0 + dy) * size + c0 + dx] = (byte)rng.Next(200, 256);
        }
        var images = torch.tensor(pixels, torch.ScalarType.Byte).reshape(count, 1, size, size);
        var coarse = fine.Select(f => f / 2).ToArray();
        return new LabeledImages("synthetic", images, new Dictionary<string, torch.Tensor>
        {
            [LabelLevels.Fine] = torch.tensor(fine),
            [LabelLevels.Coarse] = torch.tensor(coarse),
        });
    }
}
