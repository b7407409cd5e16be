using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Support;

/// <summary>Tiny learnable image sets for tests.</summary>
public static class Synthetic
{
    /// <summary>
    /// n images (1, 12, 12): class c in 0..3 lights quadrant c brightly over noise; "fine" = c, "coarse" = c / 2.
    /// </summary>
    public static LabeledImages Quadrants(int n, int seed = 0)
    {
        var gen = new Generator((ulong)seed);
        var fine = torch.randint(0, 4, [n], generator: gen, dtype: ScalarType.Int64);
        var images = (torch.rand([n, 1, 12, 12], generator: gen) * 90).to(ScalarType.Float32);
        var labels = fine.data<long>().ToArray();
        for (int i = 0; i < n; i++)
        {
            int r = (int)(labels[i] / 2) * 6, c = (int)(labels[i] % 2) * 6;
            images[i, 0, TensorIndex.Slice(r, r + 6), TensorIndex.Slice(c, c + 6)].add_(150);
        }
        var u8 = images.clamp(0, 255).to(ScalarType.Byte);
        return new LabeledImages("quadrants", u8, new Dictionary<string, Tensor>
        {
            [LabelLevels.Fine] = fine,
            [LabelLevels.Coarse] = fine.div(2, rounding_mode: RoundingMode.floor),
        });
    }
}

/// <summary>A small CNN with fine and coarse heads.</summary>
public sealed class TinyNet : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly nn.Module<Tensor, Tensor> body;
    private readonly nn.Module<Tensor, Tensor> fine, coarse;

    public TinyNet(double dropout = 0.0) : base(nameof(TinyNet))
    {
        body = nn.Sequential(nn.Conv2d(1, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Dropout(dropout));
        fine = nn.Linear(32, 4);
        coarse = nn.Linear(32, 2);
        RegisterComponents();
    }

    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        var h = body.call(input);
        return new() { ["fine"] = fine.call(h), ["coarse"] = coarse.call(h) };
    }
}
