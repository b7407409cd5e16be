using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// Reads both hemispheres: concatenates left and right features, applies dropout and one linear layer per head.
/// With <see cref="BilateralOptions.Gated"/> each head first scales the two halves by learned softmax weights
/// (times 2, so equal weights reproduce the plain concatenation). state_dict keys: <c>heads.fine.weight</c>,
/// <c>heads.fine.bias</c>, ..., and <c>gates.fine</c> when gated.
/// </summary>
public sealed class BilateralHead : nn.Module<Tensor, Tensor, Dictionary<string, Tensor>>
{
    private readonly Dropout dropout;
    private readonly ModuleDict<Linear> heads;
    private readonly ParameterDict? gates;

    /// <summary>Creates the head.</summary>
    /// <param name="leftFeatures">Feature size of the left hemisphere.</param>
    /// <param name="rightFeatures">Feature size of the right hemisphere.</param>
    /// <param name="definitions">Heads (name, classes).</param>
    /// <param name="dropout">Dropout probability on the concatenated features.</param>
    /// <param name="gated">Whether each head learns softmax weights over the hemispheres.</param>
    public BilateralHead(int leftFeatures, int rightFeatures, IReadOnlyList<HeadDefinition> definitions, double dropout = 0.6, bool gated = false)
        : base(nameof(BilateralHead))
    {
        if (leftFeatures < 1 || rightFeatures < 1) throw new ArgumentOutOfRangeException(nameof(leftFeatures), "BilateralHead: feature sizes must be positive.");
        ArgumentNullException.ThrowIfNull(definitions);
        LeftFeatures = leftFeatures;
        RightFeatures = rightFeatures;
        Definitions = definitions.ToList();
        Dropout = dropout;
        this.dropout = nn.Dropout(dropout);
        heads = nn.ModuleDict(definitions.Select(d => (d.Name, nn.Linear(leftFeatures + rightFeatures, d.Classes))).ToArray());
        if (gated) gates = nn.ParameterDict(definitions.Select(d => (d.Name, new Parameter(zeros(2)))).ToArray());
        RegisterComponents();
    }

    /// <summary>Left feature size.</summary>
    public int LeftFeatures { get; }
    /// <summary>Right feature size.</summary>
    public int RightFeatures { get; }
    /// <summary>The heads.</summary>
    public IReadOnlyList<HeadDefinition> Definitions { get; }
    /// <summary>Dropout probability on the concatenated features.</summary>
    public double Dropout { get; }
    /// <summary>Whether the heads are gated.</summary>
    public bool Gated => gates is not null;

    /// <summary>The learned (left, right) weights of a gated head (0.5, 0.5 when not gated).</summary>
    public (double Left, double Right) GateWeights(string head)
    {
        if (gates is null) return (0.5, 0.5);
        using var _ = no_grad();
        using var w = gates[head].softmax(0);
        return (w[0].item<float>(), w[1].item<float>());
    }

    /// <summary>Logits per head from left (N, L) and right (N, R) features.</summary>
    public override Dictionary<string, Tensor> forward(Tensor left, Tensor right)
    {
        Guard.Features(left, LeftFeatures, nameof(BilateralHead), nameof(left));
        Guard.Features(right, RightFeatures, nameof(BilateralHead), nameof(right));
        if (left.shape[0] != right.shape[0])
            throw new ArgumentException($"BilateralHead: left has {left.shape[0]} rows but right has {right.shape[0]}.", nameof(right));
        var x = dropout.call(cat([left, right], 1));
        var result = new Dictionary<string, Tensor>();
        foreach (var d in Definitions)
        {
            var input = x;
            if (gates is not null)
            {
                var w = gates[d.Name].softmax(0) * 2;
                input = cat([x[.., ..LeftFeatures] * w[0], x[.., LeftFeatures..] * w[1]], 1);
            }
            result[d.Name] = heads[d.Name].call(input);
        }
        return result;
    }
}
