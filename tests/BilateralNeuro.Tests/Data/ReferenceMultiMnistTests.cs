using BilateralNeuro.Core;
using BilateralNeuro.Data;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Data;

public class ReferenceMultiMnistTests
{
    private static LabeledImages Digits()
    {
        TorchRuntime.EnsureLoaded();
        var (train, test) = Datasets.MnistDigits(DataLocator.EmbeddedKeyword);
        train.Dispose();
        return test;
    }

    [Fact]
    public void Signed_overlap_follows_make_multi_mnist_lines_118_to_129()
    {
        var a = new CanvasBox(10, 10, 30, 20);                                   // 20 × 10, area 200
        // Intersecting 5 rows × 4 columns: both gaps negative, product = intersection 20, over 2 · 200.
        ReferenceMultiMnist.SignedOverlap(a, new CanvasBox(25, 16, 45, 36)).Should().BeApproximately(20.0 / 400, 1e-12);
        // Side by side (apart in columns by 3, rows overlapping by 20): negative.
        ReferenceMultiMnist.SignedOverlap(a, new CanvasBox(10, 23, 30, 40)).Should().BeApproximately(-(20.0 * 3) / 400, 1e-12);
        // Diagonal (apart by 2 rows and 3 columns): positive, so "overlap 0" rejects it.
        ReferenceMultiMnist.SignedOverlap(a, new CanvasBox(32, 23, 40, 30)).Should().BeApproximately(6.0 / 400, 1e-12);
        // Touching along a side: 0.
        ReferenceMultiMnist.SignedOverlap(a, new CanvasBox(30, 12, 40, 18)).Should().Be(0);
        // The denominator is the first box's area twice, whatever the second box.
        ReferenceMultiMnist.SignedOverlap(new CanvasBox(0, 0, 10, 10), new CanvasBox(5, 5, 45, 45)).Should().BeApproximately(25.0 / 200, 1e-12);
    }

    [Fact]
    public void Overlap_0_layouts_are_distinct_digits_side_by_side_at_the_reference_positions()
    {
        using var digits = Digits();
        var labels = digits.Labels[LabelLevels.Fine].data<long>().ToArray();
        var layouts = ReferenceMultiMnist.Layout(digits, 300, new ReferenceMultiMnistOptions(), seed: 1);
        layouts.Should().HaveCount(300);
        int rowsApart = 0, colsApart = 0;
        foreach (var l in layouts)
        {
            l.FirstLabel.Should().NotBe(l.SecondLabel);
            labels[l.First].Should().Be(l.FirstLabel);
            labels[l.Second].Should().Be(l.SecondLabel);
            ReferenceMultiMnist.SignedOverlap(l.FirstBox, l.SecondBox).Should().Be(l.SignedOverlap);
            l.SignedOverlap.Should().BeLessThanOrEqualTo(0);
            l.FirstBox.Top.Should().BeInRange(0, 21);             // range(im_size - 28), :163
            l.FirstBox.Left.Should().BeInRange(0, 21);
            l.SecondBox.Top.Should().BeInRange(0, 29);            // range(im_size - 20), :301
            l.SecondBox.Left.Should().BeInRange(0, 29);
            l.SecondBox.Bottom.Should().BeLessThanOrEqualTo(50);
            l.SecondBox.Right.Should().BeLessThanOrEqualTo(50);
            bool rows = Math.Max(l.FirstBox.Top, l.SecondBox.Top) >= Math.Min(l.FirstBox.Bottom, l.SecondBox.Bottom);
            bool cols = Math.Max(l.FirstBox.Left, l.SecondBox.Left) >= Math.Min(l.FirstBox.Right, l.SecondBox.Right);
            (rows && cols && l.SignedOverlap != 0).Should().BeFalse("a diagonal layout has a positive product of gaps");
            (rows || cols).Should().BeTrue("boxes never intersect at overlap 0");
            if (rows) rowsApart++;
            if (cols) colsApart++;
        }
        rowsApart.Should().BeGreaterThan(30);
        colsApart.Should().BeGreaterThan(30);
        layouts.Select(l => l.FirstLabel).Distinct().Should().HaveCount(10);
        ReferenceMultiMnist.Layout(digits, 300, new ReferenceMultiMnistOptions(), seed: 1).Should().Equal(layouts, "deterministic in the seed");
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void Higher_levels_bound_the_overlap_from_above_and_admit_intersections(double level)
    {
        using var digits = Digits();
        var layouts = ReferenceMultiMnist.Layout(digits, 300, new ReferenceMultiMnistOptions { MaxOverlap = level }, seed: 2);
        layouts.Should().OnlyContain(l => l.SignedOverlap <= level);
        layouts.Count(l => MultiObjectComposer.BoxOverlap((l.FirstBox.Top, l.FirstBox.Left, l.FirstBox.Bottom, l.FirstBox.Right),
            (l.SecondBox.Top, l.SecondBox.Left, l.SecondBox.Bottom, l.SecondBox.Right)) > 0).Should().BeGreaterThan(30, "intersecting boxes are allowed up to the bound");
    }

    [Fact]
    public void Rendered_canvas_holds_the_digits_masks_and_labels_of_the_layout()
    {
        using var digits = Digits();
        var options = new ReferenceMultiMnistOptions { MaxOverlap = 0.5, OutputSize = 50 };   // no resize: check pixel by pixel
        var layouts = ReferenceMultiMnist.Layout(digits, 40, options, seed: 3);
        using var set = ReferenceMultiMnist.Render(digits, layouts, options);
        set.Images.shape.Should().Equal(40, 1, 50, 50);
        set.Masks.shape.Should().Equal(40, 2, 50, 50);
        set.Labels.shape.Should().Equal(40, 10);
        var src = digits.Images.to(ScalarType.Float32);
        for (int n = 0; n < 40; n++)
        {
            var l = layouts[n];
            set.Labels[n].sum().item<float>().Should().Be(2);
            set.Labels[n, l.FirstLabel].item<float>().Should().Be(1);
            set.Labels[n, l.SecondLabel].item<float>().Should().Be(1);
            var expected = torch.zeros(2, 50, 50);
            var sum = torch.zeros(50, 50);
            int k = 0;
            foreach (var (idx, box) in new[] { (l.First, l.FirstBox), (l.Second, l.SecondBox) })
            {
                var digit = src[idx, 0];
                var nz = digit.gt(0).nonzero();
                long top = nz[.., 0].min().item<long>(), left = nz[.., 1].min().item<long>();
                var crop = digit.narrow(0, top, box.Bottom - box.Top).narrow(1, left, box.Right - box.Left);
                expected[k].narrow(0, box.Top, box.Bottom - box.Top).narrow(1, box.Left, box.Right - box.Left).copy_(crop.gt(0).to(ScalarType.Float32));
                sum.narrow(0, box.Top, box.Bottom - box.Top).narrow(1, box.Left, box.Right - box.Left).add_(crop);
                k++;
            }
            (set.Masks[n] - expected).abs().max().item<float>().Should().Be(0, "masks are the digits' non-zero pixels at their boxes");
            var image = torch.where(sum.gt(250), torch.tensor(255f), sum) / 255f;   // :113
            (set.Images[n, 0] - image).abs().max().item<float>().Should().BeLessThan(1e-6f);
        }
    }

    [Fact]
    public void Sets_per_level_are_32_pixels_bilinear_with_consistent_masks()
    {
        using var digits = Digits();
        var sets = ReferenceMultiMnist.ComposeLevels(digits, 50, [0, 0.25, 0.5], seed: 10);
        sets.Keys.Should().Equal(0, 0.25, 0.5);
        try
        {
            foreach (var (level, set) in sets)
            {
                set.Name.Should().Contain($"max-overlap-{level}");
                set.Images.shape.Should().Equal(50, 1, 32, 32);
                set.Masks.shape.Should().Equal(50, 2, 32, 32);
                set.Labels.sum(1).eq(2).all().item<bool>().Should().BeTrue();
                set.Masks.sum([2, 3]).gt(0).all().item<bool>().Should().BeTrue("every digit keeps pixels after the resize");
                set.Images.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
                set.Images.max().item<float>().Should().BeLessThanOrEqualTo(1);
                var any = set.Masks.sum(1, keepdim: true).gt(0);
                set.Images.masked_select(any).mean().item<float>().Should().BeGreaterThan(0.3f);
                set.Images.masked_select(any.logical_not()).mean().item<float>().Should().BeLessThan(0.1f);
                if (level == 0) set.Overlap.data<float>().ToArray().Should().OnlyContain(v => v == 0, "no box intersections at overlap 0");
            }
            // The bilinear resize is the one of make_multi_mnist.py:214-216 (scale 32/50, align_corners false).
            var options = new ReferenceMultiMnistOptions();
            var layouts = ReferenceMultiMnist.Layout(digits, 5, options, seed: 4);
            using var big = ReferenceMultiMnist.Render(digits, layouts, new ReferenceMultiMnistOptions { OutputSize = 50 });
            using var small = ReferenceMultiMnist.Render(digits, layouts, options);
            var resized = nn.functional.interpolate(big.Images, scale_factor: [32.0 / 50, 32.0 / 50], mode: InterpolationMode.Bilinear, align_corners: false);
            (small.Images - resized).abs().max().item<float>().Should().BeLessThan(1e-6f);
        }
        finally { foreach (var s in sets.Values) s.Dispose(); }
    }

    [Fact]
    public void Bad_input_is_named()
    {
        using var digits = Digits();
        var invalid = () => ReferenceMultiMnist.Layout(digits, 4, new ReferenceMultiMnistOptions { Canvas = 20, MaxOverlap = 2 }, seed: 0);
        invalid.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
        using var ones = digits.Subset(digits.Labels[LabelLevels.Fine].eq(1).nonzero().squeeze(1).data<long>().ToArray());
        var oneClass = () => ReferenceMultiMnist.Layout(ones, 4, new ReferenceMultiMnistOptions(), seed: 0);
        oneClass.Should().Throw<ArgumentException>().WithMessage("*at least 2 classes*");
        var foreign = () => ReferenceMultiMnist.Render(ones, ReferenceMultiMnist.Layout(digits, 4, new ReferenceMultiMnistOptions(), seed: 0), new ReferenceMultiMnistOptions());
        foreign.Should().Throw<ArgumentException>().WithMessage("*does not belong to source*");
        var levels = () => ReferenceMultiMnist.ComposeLevels(digits, 4, [0, 0], seed: 0);
        levels.Should().Throw<ArgumentException>().WithMessage("*distinct*");
    }
}
