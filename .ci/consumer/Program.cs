// Consumer check: the package's fluent API, its embedded data and its native fix, outside the repository.
using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;

var (train, _) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
var small = train.Take(512);
var backbone = new ResNet9(inputChannels: 1, width: 0.125);
var model = new SingleHead(torch.nn.Sequential(backbone, torch.nn.Linear(backbone.FeatureSize, 10)), LabelLevels.Fine);
var result = new Trainer(new TrainerOptions { Epochs = 2, LearningRate = 3e-3 })
    .Fit(model, new BatchSource(small, 64, normalization: Normalization.FashionMnist), null, [HeadSpec.Classification(LabelLevels.Fine)]);
var first = result.History[0].TrainLoss;
var last = result.History[^1].TrainLoss;
Console.WriteLine($"consumer: trained {result.History.Count} epochs, loss {first:F3} -> {last:F3}");
return last < first ? 0 : 1;
