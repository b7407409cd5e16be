using System.Globalization;
using System.Text;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>Files written by <see cref="BilateralAnalysis.Write"/>.</summary>
/// <param name="Directory">Output folder.</param>
/// <param name="GradCamImages">Grad-CAM overlay PNGs.</param>
/// <param name="Groups">Feature-similarity group means.</param>
public sealed record BilateralAnalysisResult(string Directory, IReadOnlyList<string> GradCamImages, IReadOnlyList<SimilarityGroup> Groups);

/// <summary>
/// The paper's analyses of a trained specialised network on test data: Grad-CAM overlays for the left hemisphere
/// (fine target), the right hemisphere (coarse target) and the whole network (both), and the feature-similarity
/// analysis (left = the left hemisphere's own fine classifier, right = the right hemisphere's own coarse classifier,
/// bilateral = the fine head; pairs share a fine label).
/// </summary>
public static class BilateralAnalysis
{
    /// <summary>Writes <c>gradcam/*.png</c>, <c>similarity-pairs.csv</c>, <c>similarity-groups.csv</c> and <c>similarity-scatter.png</c>.</summary>
    public static BilateralAnalysisResult Write(string directory, BilateralNetwork network, UnilateralNetwork leftClassifier,
        UnilateralNetwork rightClassifier, BatchSource test, int gradCamImages = 8, int pairsPerGroup = 500)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(test);
        Directory.CreateDirectory(directory);
        var pngs = new List<string>();
        var first = Enumerable.Range(0, (int)Math.Min(gradCamImages, test.Data.Count)).Select(i => (long)i).ToArray();
        using (var scope = NewDisposeScope())
        {
            var batch = test.Load(first, augment: false);
            var display = test.Data.Images.index_select(0, tensor(first)).to(ScalarType.Float32) / 255f;
            var leftConv = network.Left.LastConv();
            var rightConv = network.Right.LastConv();
            if (leftConv is not null && rightConv is not null)
            {
                var dir = Path.Combine(directory, "gradcam");
                pngs.AddRange(GradCam.SaveOverlays(dir, "left-fine", display, GradCam.Compute(network, leftConv, batch.Images, GradCam.ArgMax(LabelLevels.Fine))));
                pngs.AddRange(GradCam.SaveOverlays(dir, "right-coarse", display, GradCam.Compute(network, rightConv, batch.Images, GradCam.ArgMax(LabelLevels.Coarse))));
                pngs.AddRange(GradCam.SaveOverlays(dir, "whole-fine", display, GradCam.Compute(network, [leftConv, rightConv], batch.Images, GradCam.ArgMax(LabelLevels.Fine))));
                pngs.AddRange(GradCam.SaveOverlays(dir, "whole-coarse", display, GradCam.Compute(network, [leftConv, rightConv], batch.Images, GradCam.ArgMax(LabelLevels.Coarse))));
            }
        }

        var bilateral = Trainer.Predict(network, test);
        var left = Trainer.Predict(leftClassifier, test);
        var right = Trainer.Predict(rightClassifier, test);
        try
        {
            var fine = test.Data.Labels[LabelLevels.Fine];
            var coarse = test.Data.Labels[LabelLevels.Coarse];
            using var lc = left[LabelLevels.Fine].argmax(1).eq(fine);
            using var rc = right[LabelLevels.Coarse].argmax(1).eq(coarse);
            using var bc = bilateral[LabelLevels.Fine].argmax(1).eq(fine);
            var pairs = FeatureSimilarity.Compute(bilateral[BilateralNetwork.LeftFeatures], bilateral[BilateralNetwork.RightFeatures], fine, lc, rc, bc, pairsPerGroup);
            FeatureSimilarity.WriteCsv(Path.Combine(directory, "similarity-pairs.csv"), pairs);
            FeatureSimilarity.WriteScatter(Path.Combine(directory, "similarity-scatter.png"), pairs);
            var groups = FeatureSimilarity.Summarize(pairs);
            var sb = new StringBuilder("group,images,pairs,mean_cos_left,mean_cos_right,mean_cos_concatenated\n");
            foreach (var g in groups) sb.Append(CultureInfo.InvariantCulture, $"{g.Group},{g.Images},{g.Pairs},{g.Left:F4},{g.Right:F4},{g.Concatenated:F4}\n");
            AtomicFile.WriteText(Path.Combine(directory, "similarity-groups.csv"), sb.ToString());
            return new BilateralAnalysisResult(directory, pngs, groups);
        }
        finally
        {
            foreach (var t in bilateral.Values.Concat(left.Values).Concat(right.Values)) t.Dispose();
        }
    }
}
