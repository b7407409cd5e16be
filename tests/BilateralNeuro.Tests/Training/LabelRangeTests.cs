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
        act.Should().Throw<ArgumentException>()
            .WithMessage("Head 'fine' has 2 outputs, but its labels ('fine') in this batch range from 0 to 3; expected labels 0..1. Build the head with 4 classes*");
    }

    [Fact]
    public void Labels_within_the_head_and_the_ignore_index_pass()
    {
        using var scope = torch.NewDisposeScope();
        var logits = torch.zeros(3, 4);
        var head = HeadSpec.Classification(LabelLevels.Fine);
        Losses.Loss(head, logits, torch.tensor(new long[] { 0, 3, -100 })).item<float>().Should().BeApproximately(MathF.Log(4), 1e-5f);
        FluentActions.Invoking(() => Losses.Loss(head, logits, torch.tensor(new long[] { 0, -2 }))).Should().Throw<ArgumentException>();
    }
}
