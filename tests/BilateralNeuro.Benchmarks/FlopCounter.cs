using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>Counts forward FLOPs (2 x multiply-accumulates) of Conv2d and Linear layers from their shapes, via forward hooks.</summary>
public static class FlopCounter
{
    public static double ForwardFlops(nn.Module<Tensor, Tensor> model, Tensor sample)
    {
        double flops = 0;
        var removers = new List<Action>();
        foreach (var (_, m) in model.named_modules())
        {
            if (m is Conv2d conv)
            {
                var h = conv.register_forward_hook((mod, input, output) =>
                {
                    var w = conv.weight!;
                    flops += 2.0 * output.numel() * (w.shape[1] * w.shape[2] * w.shape[3]);
                    return output;
                });
                removers.Add(h.remove);
            }
            else if (m is Linear lin)
            {
                var h = lin.register_forward_hook((mod, input, output) =>
                {
                    flops += 2.0 * output.numel() * lin.weight!.shape[1];
                    return output;
                });
                removers.Add(h.remove);
            }
        }
        model.eval();
        using (no_grad()) using (var scope = NewDisposeScope()) model.call(sample);
        foreach (var r in removers) r();
        return flops;
    }
}
