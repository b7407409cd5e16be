using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Bilateral;

public class EnsembleTests
{
    /// <summary>Always predicts one class.</summary>
    private sealed class Constant : nn.Module<Tensor, Dictionary<string, Tensor>>
    {
        private readonly int cls;
        public Constant(int cls) : base("Constant") { this.cls = cls; }
        public override Dictionary<string, Tensor> forward(Tensor input) =>
            new() { ["fine"] = nn.functional.one_hot(full([input.shape[0]], cls, ScalarType.Int64), 3).to(ScalarType.Float32) * 4 };
    }

    private static LabeledImages Set(int[] counts)
    {
        var labels = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, n)).ToArray();
        return new LabeledImages("set", zeros([labels.Length, 1, 4, 4], ScalarType.Byte), new Dictionary<string, Tensor> { ["fine"] = tensor(labels) });
    }

    [Fact]
    public void Selection_ranks_members_on_validation_not_test()
    {
        TorchRuntime.EnsureLoaded();
        using var validation = Set([50, 30, 20]); // class 0 most frequent
        using var test = Set([20, 30, 50]);       // class 2 most frequent: the opposite ranking
        var members = new nn.Module<Tensor, Dictionary<string, Tensor>>[] { new Constant(2), new Constant(1), new Constant(0) };
        var heads = new[] { HeadSpec.Classification("fine") };
        var chosen = EnsembleSelection.TopK(members, new BatchSource(validation, 16, shuffle: false), heads, k: 2);
        chosen.Should().Equal(2, 1);
        var byTest = EnsembleSelection.TopK(members, new BatchSource(test, 16, shuffle: false), heads, k: 2);
        byTest.Should().Equal([0, 1], "the test set would have chosen differently, which is why it is never used");
        var outOfRange = () => EnsembleSelection.TopK([0.1, 0.2], 3);
        outOfRange.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Ensemble_averages_probabilities_or_logits()
    {
        TorchRuntime.EnsureLoaded();
        using var probs = new Ensemble([new Constant(0), new Constant(0), new Constant(1)], ["fine"]);
        using var logits = new Ensemble([new Constant(0), new Constant(1)], ["fine"], EnsembleCombine.Logits);
        using var x = zeros(2, 1, 4, 4);
        var p = probs.call(x)["fine"].exp();
        float hi = (float)(Math.Exp(4) / (Math.Exp(4) + 2));
        float lo = (float)(1 / (Math.Exp(4) + 2));
        p[0, 0].item<float>().Should().BeApproximately((2 * hi + lo) / 3, 1e-5f);
        p.sum(1).allclose(ones(2)).Should().BeTrue();
        logits.call(x)["fine"][1].data<float>().ToArray().Should().Equal(2f, 2f, 0f);
    }
}
