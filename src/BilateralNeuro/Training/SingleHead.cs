using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>Adapts a plain <c>Module&lt;Tensor, Tensor&gt;</c> (e.g. backbone + linear) to the trainer's named outputs.</summary>
public sealed class SingleHead : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly nn.Module<Tensor, Tensor> inner;
    private readonly string outputName;

    /// <summary>Wraps <paramref name="module"/>; its output is reported under <paramref name="name"/>.</summary>
    public SingleHead(nn.Module<Tensor, Tensor> module, string name) : base(nameof(SingleHead))
    {
        inner = module;
        outputName = name;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Dictionary<string, Tensor> forward(Tensor input) => new() { [outputName] = inner.call(input) };
}
