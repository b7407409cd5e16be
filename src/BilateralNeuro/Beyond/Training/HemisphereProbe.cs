using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond.Training;

/// <summary>
/// Which label level each hemisphere's features carry: a closed-form ridge-regression probe (one-hot targets,
/// features standardised on the training split, bias unpenalised through centring) fitted on one split and scored on
/// another, per hemisphere and label level. For label-free hemispheres this asks whether specialisation emerges
/// without labels: a hemisphere "carries" a level when its probe beats the other hemisphere's on that level.
/// (A small private probe; a shared <c>Analysis.LinearProbe</c> may replace it.)
/// </summary>
public static class HemisphereProbe
{
    /// <summary>
    /// Probe accuracies keyed <c>"{left|right} probe {level}"</c> for every label level of <paramref name="train"/>
    /// that <paramref name="test"/> also has.
    /// </summary>
    /// <param name="network">A trained network (evaluated in eval mode, no gradient).</param>
    /// <param name="protocol">Supplies the evaluation batches (normalisation).</param>
    /// <param name="train">Split the probe is fitted on.</param>
    /// <param name="test">Split the probe is scored on.</param>
    /// <param name="ridge">Ridge penalty λ (on standardised features).</param>
    public static Dictionary<string, double> Accuracies(AsymmetricBilateralNetwork network, BeyondProtocol protocol, LabeledImages train, LabeledImages test, double ridge = 1.0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (!double.IsFinite(ridge) || ridge < 0) throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "HemisphereProbe: the ridge penalty must be a finite number >= 0.");
        var a = Features(network, protocol.EvalSource(train));
        var b = Features(network, protocol.EvalSource(test));
        try
        {
            var result = new Dictionary<string, double>();
            foreach (var level in train.Labels.Keys.Where(test.Labels.ContainsKey))
                foreach (var side in new[] { "left", "right" })
                    result[$"{side} probe {level}"] = Accuracy(a[side], train.Labels[level], b[side], test.Labels[level], train.ClassCount(level), ridge);
            return result;
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }

    private static Dictionary<string, Tensor> Features(AsymmetricBilateralNetwork network, BatchSource source)
    {
        var f = Trainer.Predict(network, source, batch =>
        {
            var (l, r) = network.Features(batch.Images);
            return new Dictionary<string, Tensor> { ["left"] = l.Features, ["right"] = r.Features };
        });
        network.eval();
        return f;
    }

    /// <summary>
    /// Test accuracy of a ridge probe W = (XᵀX + λI)⁻¹XᵀY fitted on (<paramref name="xTrain"/>, one-hot
    /// <paramref name="yTrain"/>), features standardised with the training mean and std, targets centred.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree or a label lies outside [0, <paramref name="classes"/>).</exception>
    public static double Accuracy(Tensor xTrain, Tensor yTrain, Tensor xTest, Tensor yTest, int classes, double ridge = 1.0)
    {
        ArgumentNullException.ThrowIfNull(xTrain);
        ArgumentNullException.ThrowIfNull(yTrain);
        ArgumentNullException.ThrowIfNull(xTest);
        ArgumentNullException.ThrowIfNull(yTest);
        if (xTrain.dim() != 2 || xTest.dim() != 2 || xTrain.shape[1] != xTest.shape[1] || xTrain.shape[0] != yTrain.shape[0] || xTest.shape[0] != yTest.shape[0])
            throw new ArgumentException($"HemisphereProbe: expected features (N, D) with one label each and the same D in both splits; got [{string.Join(",", xTrain.shape)}]/[{string.Join(",", yTrain.shape)}] and [{string.Join(",", xTest.shape)}]/[{string.Join(",", yTest.shape)}].", nameof(xTrain));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var xa = xTrain.to(float64).cpu();
        var xb = xTest.to(float64).cpu();
        var ya = yTrain.to(int64).cpu();
        var yb = yTest.to(int64).cpu();
        if (ya.min().item<long>() < 0 || ya.max().item<long>() >= classes || yb.min().item<long>() < 0 || yb.max().item<long>() >= classes)
            throw new ArgumentException($"HemisphereProbe: labels must lie in [0, {classes}).", nameof(yTrain));
        var mean = xa.mean([0]);
        var std = xa.std(0).clamp_min(1e-8);
        xa = (xa - mean) / std;
        xb = (xb - mean) / std;
        var targets = nn.functional.one_hot(ya, classes).to(float64);
        var targetMean = targets.mean([0]);
        long d = xa.shape[1];
        var gram = xa.t().matmul(xa) + eye(d, dtype: float64) * ridge;
        var w = linalg.solve(gram, xa.t().matmul(targets - targetMean));
        var scores = xb.matmul(w) + targetMean;
        return scores.argmax(1).eq(yb).to(float64).mean().item<double>();
    }
}
