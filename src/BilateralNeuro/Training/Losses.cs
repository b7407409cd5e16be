using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Training;

/// <summary>Loss and correctness of one head, shared by training and evaluation.</summary>
public static class Losses
{
    /// <summary>The head's loss (mean over the batch).</summary>
    public static Tensor Loss(HeadSpec head, Tensor logits, Tensor target) => head.Loss switch
    {
        HeadLoss.CrossEntropy => F.cross_entropy(logits, target),
        HeadLoss.MultiLabel => F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype)),
        _ => throw new ArgumentOutOfRangeException(nameof(head), head.Loss, "Unknown head loss."),
    };

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
