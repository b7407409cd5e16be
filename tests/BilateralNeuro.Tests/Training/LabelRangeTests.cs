using BilateralNeuro.Data;
using BilateralNeuro.Tests.Support;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Training;

public sealed class LabelRangeTests : IDisposable
{
    private readonly LabeledImages data = Synthetic.Quadrants(64);   // fine labels 0..3

    public void Dispose() => data.Dispose();

    [Fact]
    public void A_head_smaller_than_its_labels_fails_with_a_message_naming_head_labels_and_sizes()
    {
        // 2 outputs for 4 classes: LibTorch would say "Target 3 is out of bounds" with a C++ trace.
        var model = new SingleHead(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(144, 2)), LabelLevels.Fine);
        var act = () => new Trainer(new TrainerOptions { Epochs = 1 }).Fit(model, new BatchSource(data, 32), null, [HeadSpec.Classification(LabelLevels.Fine)]);
        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().ContainEquivalentOf("head 'fine'").And.Contain("up to 3").And.Contain("4 classes");
        message.Should().NotContain("out of bounds", "checked before LibTorch sees the labels");
    }
}
