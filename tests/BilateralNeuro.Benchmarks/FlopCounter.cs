using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>Counts forward FLOPs (2 x multiply-accumulates) of Conv2d and Linear layers from their shapes, via forward hooks.</summary>
public static class FlopCounter
{
    public static double ForwardFlops(nn.Module<Tensor, Tensor> model, Tensor sample) => ForwardFlops(model, () => model.call(sample));

    /// <summary>Forward FLOPs of the Conv2d and Linear layers of <paramref name="model"/> during one call of <paramref name="run"/>.</summary>
    public static double ForwardFlops(nn.Module model, Func<object> run)
    {
        var (conv, linear) = ForwardFlopsSplit(model, run);
        return conv + linear;
    }

    /// <summary>Forward FLOPs split into convolution and linear (matmul) layers.</summary>
    public static (double Conv, double Linear) ForwardFlopsSplit(nn.Module model, Func<object> run)
    {
        double flops = 0, linearFlops = 0;
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
                    linearFlops += 2.0 * output.numel() * lin.weight!.shape[1];
                    return output;
                });
                removers.Add(h.remove);
            }
        }
        bool wasTraining = model.training;
        model.eval();
        using (no_grad()) using (var scope = NewDisposeScope()) run();
        foreach (var r in removers) r();
        if (wasTraining) model.train();
        return (flops, linearFlops);
    }
}
