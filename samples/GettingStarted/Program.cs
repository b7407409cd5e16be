// Getting started: train a ResNet-9 on the embedded Fashion-MNIST subset and print its test accuracy.
// dotnet run -c Release --project samples/GettingStarted [-- --epochs 4 --width 0.25 --device auto --data-dir DIR]
using System.Diagnostics;
using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

int epochs = int.Parse(Arg("--epochs") ?? "4");
double width = double.Parse(Arg("--width") ?? "0.25", System.Globalization.CultureInfo.InvariantCulture);
using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var clock = Stopwatch.StartNew();

var device = DeviceSelector.Parse(Arg("--device"));
Seeding.Seed(0);
var (all, test) = Datasets.FashionMnist(Arg("--data-dir") ?? DataLocator.EmbeddedKeyword, logging.CreateLogger("data"));
var (train, validation) = all.SplitValidation(0.1, seed: 0);

// A backbone plus a linear classifier, exposed to the trainer as one named head.
var backbone = new ResNet9(inputChannels: 1, width: width);
var model = new SingleHead(torch.nn.Sequential(backbone, torch.nn.Linear(backbone.FeatureSize, 10)), LabelLevels.Fine);
model.to(device);

var norm = Normalization.FashionMnist;
var aug = new Augmentation { CropPadding = 2, HorizontalFlip = true };
var trainer = new Trainer(new TrainerOptions { Epochs = epochs, LearningRate = 3e-3, WeightDecay = 5e-4, Optimizer = OptimizerKind.AdamW, Schedule = LearningRateSchedule.Cosine, BatchSize = 128 },
    logging.CreateLogger<Trainer>());
var result = trainer.Fit(model,
    new BatchSource(train, 128, device, norm, aug, seed: 0),
    new BatchSource(validation, 512, device, norm, shuffle: false),
    [HeadSpec.Classification(LabelLevels.Fine)]);

var metrics = Trainer.Evaluate(model, new BatchSource(test, 512, device, norm, shuffle: false), [HeadSpec.Classification(LabelLevels.Fine)]);
Console.WriteLine($"ResNet-9 (width {width}, {model.parameters().Sum(p => p.numel()):N0} parameters), {epochs} epochs on {train.Count:N0} images ({all.Source})");
Console.WriteLine($"best validation epoch {result.BestEpoch}: validation accuracy {result.BestValidation["fine/accuracy"]:P2}");
Console.WriteLine($"test accuracy {metrics["fine/accuracy"]:P2} on {test.Count:N0} test images; wall time {clock.Elapsed.TotalSeconds:F0} s on {device}");

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
