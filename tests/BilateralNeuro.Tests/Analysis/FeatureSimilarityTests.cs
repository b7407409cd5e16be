using BilateralNeuro.Analysis;
using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Analysis;

public class FeatureSimilarityTests
{
    [Fact]
    public void Pairs_share_a_label_and_a_group_and_have_the_right_cosines()
    {
        TorchRuntime.EnsureLoaded();
        using var left = tensor(new float[,] { { 1, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 }, { 5, 0 } });
        using var right = tensor(new float[,] { { 0, 1 }, { 0, -1 }, { 0, 1 }, { 1, 0 }, { 0, 2 } });
        using var labels = tensor(new long[] { 0, 0, 0, 1, 0 });
        using var lc = tensor(new[] { true, true, true, true, false });
        using var rc = tensor(new[] { true, true, true, true, true });
        using var bc = tensor(new[] { true, true, true, false, true });
        var pairs = FeatureSimilarity.Compute(left, right, labels, lc, rc, bc);
        // Group L+R+B+ holds images 0, 1, 2 (all label 0): pairs (0,1), (0,2), (1,2). Image 3 is alone in its
        // group, image 4 is in L-R+B+ alone.
        pairs.Select(p => (p.First, p.Second)).Should().Equal((0L, 1L), (0L, 2L), (1L, 2L));
        pairs.Should().OnlyContain(p => p.Group == "L+R+B+" && p.Label == 0 && p.BilateralCorrect);
        pairs[0].Left.Should().BeApproximately(1, 1e-9);
        pairs[0].Right.Should().BeApproximately(-1, 1e-9);
        pairs[0].Concatenated.Should().BeApproximately(0, 1e-9);
        pairs[1].Left.Should().BeApproximately(0, 1e-9);
        pairs[1].Right.Should().BeApproximately(1, 1e-9);
        pairs[1].Concatenated.Should().BeApproximately(0.5, 1e-9);
        var summary = FeatureSimilarity.Summarize(pairs);
        var g = summary.Should().ContainSingle().Subject;
        (g.Group, g.Images, g.Pairs).Should().Be(("L+R+B+", 3, 3));
        g.Left.Should().BeApproximately(1.0 / 3, 1e-9);
        g.Right.Should().BeApproximately(-1.0 / 3, 1e-9);
        pairs[2].Concatenated.Should().BeApproximately(-0.5, 1e-9);
        g.Concatenated.Should().BeApproximately(0, 1e-9);
        var csv = FeatureSimilarity.ToCsv(pairs).Split('\n');
        csv[0].Should().Be("group,label,first,second,cos_left,cos_right,cos_concatenated,bilateral_correct");
        csv[1].Should().StartWith("L+R+B+,0,0,1,1,-1,");
        var png = Path.Combine(Path.GetTempPath(), $"scatter-{Guid.NewGuid():N}.png");
        FeatureSimilarity.WriteScatter(png, pairs, 64);
        new FileInfo(png).Length.Should().BeGreaterThan(50);
        File.Delete(png);
        var mismatch = () => FeatureSimilarity.Compute(left, right, labels[..3], lc, rc, bc);
        mismatch.Should().Throw<ArgumentException>().WithMessage("*labels has 3 rows, expected 5*");
    }
}
