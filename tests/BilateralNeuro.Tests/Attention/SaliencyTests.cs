using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using TorchSharp;
using Xunit;
using BilateralNeuro.Attention;
using BilateralNeuro.Analysis;

namespace BilateralNeuro.Tests.Attention;

public class SaliencyTests
{
    [Fact]
    public void Region_shares_of_grad_cam_are_fractions_that_sum_to_at_most_one()
    {
        torch.manual_seed(3);
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 96, Noise = 0 });
        var ids = gen.SampleIdentities(3, seed: 4);
        var nu = Enumerable.Repeat(FaceNuisance.Canonical, 3).ToList();
        using var images = gen.Render(ids, [0.0, 0.5, 1.0], nu);
        var x = (images - 0.5f) / 0.25f;
        using var model = TransferModels.FeAlexNet().Width(0.125).Classes(2).Build();
        var masks = new[] { FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth }.ToDictionary(r => r, r => gen.RegionMasks(ids, nu, r));
        var shares = FaceAttentionSaliency.RegionShares(model, x, masks);
        shares.Keys.Should().BeEquivalentTo(masks.Keys);
        shares.Values.Should().OnlyContain(s => s >= 0 && s <= 1);
        shares.Values.Sum().Should().BeLessThanOrEqualTo(1.0 + 1e-5);
        // the boxes cover a minority of the image, so at least one region gets less than all of the mass
        shares.Values.Min().Should().BeLessThan(1.0);
    }
}
