using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// One hemisphere with dropout and one linear head per label level: the unilateral, ResNet-18/34 baselines and the
/// single-head stage-1 classifier of a specialised hemisphere. Returns logits per head plus the features under
/// <see cref="FeaturesOutput"/>. state_dict keys: <c>hemisphere.backbone.*</c>, <c>heads.fine.weight</c>, ...
/// </summary>
public sealed class UnilateralNetwork : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    /// <summary>Output key of the features.</summary>
    public const string FeaturesOutput = "features";

    private readonly Hemisphere hemisphere;
    private readonly Dropout dropout;
    private readonly ModuleDict<Linear> heads;

    /// <summary>Creates the network.</summary>
    public UnilateralNetwork(Hemisphere hemisphere, IReadOnlyList<HeadDefinition> definitions, double dropout = 0.6) : base(nameof(UnilateralNetwork))
    {
        this.hemisphere = hemisphere ?? throw new ArgumentNullException(nameof(hemisphere));
        ArgumentNullException.ThrowIfNull(definitions);
        OptionsValidation.ThrowIfInvalid(new BilateralOptions { Heads = definitions.ToList(), Dropout = dropout }, new BilateralOptionsValidator(), nameof(UnilateralNetwork));
        Definitions = definitions.ToList();
        this.dropout = nn.Dropout(dropout);
        heads = nn.ModuleDict(definitions.Select(d => (d.Name, nn.Linear(hemisphere.FeatureSize, d.Classes))).ToArray());
        RegisterComponents();
    }

    /// <summary>The hemisphere.</summary>
    public Hemisphere Hemisphere => hemisphere;
    /// <summary>The heads.</summary>
    public IReadOnlyList<HeadDefinition> Definitions { get; }
    /// <summary>Number of parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Logits per head plus the features.</summary>
    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        var f = hemisphere.call(input);
        var x = dropout.call(f);
        var result = Definitions.ToDictionary(d => d.Name, d => heads[d.Name].call(x));
        result[FeaturesOutput] = f;
        return result;
    }
}
