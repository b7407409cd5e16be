using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>How an <see cref="Ensemble"/> combines its members.</summary>
public enum EnsembleCombine
{
    /// <summary>Average the softmax probabilities; the output is the log of the mean probability.</summary>
    Probabilities,
    /// <summary>Average the logits.</summary>
    Logits,
}

/// <summary>
/// A conventional ensemble: runs every member and averages each named head over the members (probabilities or
/// logits). Outputs not produced by every member (e.g. features) are dropped. state_dict keys: <c>members.0.*</c>, ...
/// </summary>
public sealed class Ensemble : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly ModuleList<nn.Module<Tensor, Dictionary<string, Tensor>>> members;

    /// <summary>Creates the ensemble over <paramref name="heads"/> (output names averaged).</summary>
    public Ensemble(IEnumerable<nn.Module<Tensor, Dictionary<string, Tensor>>> members, IEnumerable<string> heads,
        EnsembleCombine combine = EnsembleCombine.Probabilities) : base(nameof(Ensemble))
    {
        var list = members?.ToArray() ?? throw new ArgumentNullException(nameof(members));
        if (list.Length == 0) throw new ArgumentException("Ensemble: at least one member is required.", nameof(members));
        this.members = nn.ModuleList(list);
        Heads = heads.ToList();
        Combine = combine;
        RegisterComponents();
    }

    /// <summary>Averaged outputs.</summary>
    public IReadOnlyList<string> Heads { get; }
    /// <summary>The combination rule.</summary>
    public EnsembleCombine Combine { get; }
    /// <summary>Number of members.</summary>
    public int Count => members.Count;
    /// <summary>Number of parameters (all members).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Averaged head outputs.</summary>
    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var outputs = members.Select(m => m.call(input)).ToList();
        var result = new Dictionary<string, Tensor>();
        foreach (var h in Heads)
        {
            var stacked = stack(outputs.Select(o => Combine == EnsembleCombine.Probabilities ? o[h].softmax(1) : o[h]).ToArray(), 0).mean([0L]);
            result[h] = (Combine == EnsembleCombine.Probabilities ? stacked.clamp_min(1e-12).log() : stacked).MoveToOuterDisposeScope();
        }
        return result;
    }
}
