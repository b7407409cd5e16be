using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Training;

/// <summary>Loss and correctness of one head, shared by training and evaluation.</summary>
public static class Losses
{
    /// <summary>The head's loss (mean over the batch).</summary>
    /// <exception cref="ArgumentException">
    /// A class label lies outside the head's outputs (e.g. labels 0-9 for a 5-class head), or a multi-label target has
    /// another width than the head: named with the head, the labels found and what was expected, instead of
    /// LibTorch's "Target 5 is out of bounds" with a C++ trace.
    /// </exception>
    public static Tensor Loss(HeadSpec head, Tensor logits, Tensor target) => head.Loss switch
    {
        HeadLoss.CrossEntropy => F.cross_entropy(logits, CheckLabels(head, logits, target)),
        HeadLoss.MultiLabel => F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype)),
        _ => throw new ArgumentOutOfRangeException(nameof(head), head.Loss, "Unknown head loss."),
    };

    private static Tensor CheckLabels(HeadSpec head, Tensor logits, Tensor target)
    {
        if (logits.dim() < 2 || target.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte)) return target;
        long classes = logits.shape[1];
        if (target.numel() == 0) return target;
        var (min, max) = target.aminmax();
        long lo, hi;
        using (min) using (max)
        {
            lo = min.item<long>();
            hi = max.item<long>();
        }
        const long ignoreIndex = -100;   // cross_entropy's default ignore_index
        if (hi >= classes || lo < 0 && lo != ignoreIndex)
            throw new ArgumentException($"Head '{head.Output}' has {classes} outputs, but its labels ('{head.Label}') in this batch range from {lo} to {hi}; " +
                $"expected labels 0..{classes - 1}. Build the head with {Math.Max(hi + 1, classes)} classes or remap the labels.", nameof(target));
        return target;
    }

    /// <summary>Per-sample correctness (bool, N): argmax equals the label, or the top-k labels equal the k present.</summary>
    public static Tensor Correct(HeadSpec head, Tensor logits, Tensor target)
    {
        if (head.Loss == HeadLoss.CrossEntropy) return logits.argmax(1).eq(target);
        var k = target.to(ScalarType.Int64).sum(1, keepdim: true).clamp_min(1);
        var kth = logits.sort(1, descending: true).Values.gather(1, k - 1);
        var predicted = logits.ge(kth);
        return predicted.eq(target.to(ScalarType.Bool)).all(1);
    }
}
