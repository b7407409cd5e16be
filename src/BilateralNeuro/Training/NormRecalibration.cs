using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>Batch-norm statistics recomputed after training (not a training loop: no loss, no optimiser).</summary>
public static class NormRecalibration
{
    /// <summary>
    /// Replaces the running statistics of every batch norm in <paramref name="model"/> by exact averages over up to
    /// <paramref name="batches"/> batches of <paramref name="data"/> (train-mode forward passes without autograd, no
    /// augmentation). Weights move fast in short runs, so exponential running averages lag behind; this removes the lag.
    /// Leaves the model in evaluation mode.
    /// </summary>
    public static void RecalibrateNorms(nn.Module<Tensor, Dictionary<string, Tensor>> model, IBatchSource data, int batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var norms = model.modules().OfType<TorchSharp.Modules.BatchNorm2d>().ToList();
        if (norms.Count == 0 || batches <= 0) return;
        var momenta = norms.Select(n => n.momentum).ToList();
        foreach (var n in norms) { n.reset_running_stats(); n.momentum = null; }
        model.train();
        using (no_grad())
            foreach (var indices in data.IndexBatches(-1).Take(batches))
            {
                using var scope = NewDisposeScope();
                model.call(data.Load(indices, augment: false).Images);
            }
        for (int i = 0; i < norms.Count; i++) norms[i].momentum = momenta[i];
        model.eval();
    }
}
