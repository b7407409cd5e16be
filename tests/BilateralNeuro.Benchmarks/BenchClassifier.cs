using BilateralNeuro.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>ResNet-9 (1 input channel) with one 10-class "fine" head: the model of the trainer and memory cases.</summary>
internal sealed class BenchClassifier : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly ResNet9 backbone;
    private readonly nn.Module<Tensor, Tensor> head;

    public BenchClassifier(double width) : base("Classifier")
    {
        backbone = new ResNet9(1, width);
        head = nn.Linear(backbone.FeatureSize, 10);
        RegisterComponents();
    }

    public override Dictionary<string, Tensor> forward(Tensor x) => new() { ["fine"] = head.call(backbone.call(x)) };
}
