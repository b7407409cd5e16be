using System.Diagnostics;
using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Resources;

/// <summary>Evaluation of a <see cref="LatticeNetwork"/> over a set; per-item arrays follow the set's order.</summary>
/// <param name="Accuracy">Accuracy of the time mixture (all T steps computed).</param>
/// <param name="LastStepAccuracy">Accuracy of the last step's readout (fixed T).</param>
/// <param name="AdaptiveAccuracy">Accuracy of adaptive inference (each input answers at its halting step).</param>
/// <param name="MeanExpectedSteps">Mean of sum_t t * p_t.</param>
/// <param name="MeanAdaptiveSteps">Mean number of steps adaptive inference ran.</param>
/// <param name="ExpectedSteps">Per item sum_t t * p_t.</param>
/// <param name="AdaptiveSteps">Per item steps run by adaptive inference.</param>
/// <param name="Correct">Per item: the mixture answer is right.</param>
/// <param name="Margin">Per item: mixture probability of the true class minus the best other class.</param>
/// <param name="FullSeconds">Wall time of the full-T passes.</param>
/// <param name="AdaptiveSeconds">Wall time of the adaptive passes.</param>
public sealed record LatticeEvaluation(double Accuracy, double LastStepAccuracy, double AdaptiveAccuracy,
    double MeanExpectedSteps, double MeanAdaptiveSteps, float[] ExpectedSteps, int[] AdaptiveSteps, bool[] Correct,
    float[] Margin, double FullSeconds, double AdaptiveSeconds);

/// <summary>Evaluates lattice networks (eval mode, no autograd).</summary>
public static class LatticeEvaluator
{
    /// <summary>Runs full-T and adaptive inference over <paramref name="data"/> (labels at level <paramref name="label"/>).</summary>
    public static LatticeEvaluation Evaluate(LatticeNetwork model, BatchSource data, string label = LabelLevels.Fine, double? haltThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.training;
        model.eval();
        int n = (int)data.Data.Count;
        var expected = new float[n];
        var adaptive = new int[n];
        var correct = new bool[n];
        var margin = new float[n];
        long right = 0, rightLast = 0, rightAdaptive = 0;
        double fullSeconds = 0, adaptiveSeconds = 0;
        using (no_grad())
        {
            foreach (var indices in data.IndexBatches(0))
            {
                using var scope = NewDisposeScope();
                var batch = data.Load(indices, augment: false);
                var y = batch.Labels[label];
                var clock = Stopwatch.StartNew();
                var o = model.call(batch.Images);
                var logMix = o[LatticeOutputs.Label];
                logMix.data<float>();
                fullSeconds += clock.Elapsed.TotalSeconds;
                clock.Restart();
                var r = model.InferAdaptive(batch.Images, haltThreshold);
                r.Logits.data<float>();
                adaptiveSeconds += clock.Elapsed.TotalSeconds;
                var ok = logMix.argmax(1).eq(y);
                right += ok.sum().item<long>();
                rightLast += o[LatticeOutputs.StepLogits][.., -1].argmax(1).eq(y).sum().item<long>();
                rightAdaptive += r.Logits.argmax(1).eq(y).sum().item<long>();
                var prob = logMix.exp();
                var trueP = prob.gather(1, y.unsqueeze(1)).squeeze(1);
                var other = prob.scatter(1, y.unsqueeze(1), zeros(y.shape[0], 1, device: prob.device)).max(1).values;
                var m = (trueP - other).cpu().data<float>().ToArray();
                var e = o[LatticeOutputs.ExpectedSteps].cpu().data<float>().ToArray();
                var s = r.Steps.cpu().data<long>().ToArray();
                var c = ok.cpu().data<bool>().ToArray();
                for (int i = 0; i < indices.Length; i++)
                {
                    long k = indices[i];
                    expected[k] = e[i]; adaptive[k] = (int)s[i]; correct[k] = c[i]; margin[k] = m[i];
                }
            }
        }
        if (wasTraining) model.train();
        return new LatticeEvaluation((double)right / n, (double)rightLast / n, (double)rightAdaptive / n,
            expected.Average(), adaptive.Average(), expected, adaptive, correct, margin, fullSeconds, adaptiveSeconds);
    }
}
