// Consumer check: the package's fluent API as the README shows it, its embedded data and its native fix,
// outside the repository (referenced by PackageReference from a local folder feed).
using BilateralNeuro.Bilateral;
using BilateralNeuro.Data;
using BilateralNeuro.Training;

var (all, test) = Datasets.FashionMnist("embedded");
var train = all.Take(600);
var net = BilateralNetwork.Create()
    .Left(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Fine))
    .Right(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Coarse))
    .Heads(fine: 10, coarse: 4, dropout: 0.6)
    .Build();
HeadSpec[] heads = [HeadSpec.Classification("fine"), HeadSpec.Classification("coarse")];
var result = new Trainer(new TrainerOptions { Epochs = 2, LearningRate = 2e-3 })
    .Fit(net, new BatchSource(train, 64, normalization: Normalization.FashionMnist), null, heads);
var metrics = Trainer.Evaluate(net, new BatchSource(test.Take(500), 250, normalization: Normalization.FashionMnist, shuffle: false), heads);
double first = result.History[0].TrainLoss, last = result.History[^1].TrainLoss;
Console.WriteLine($"consumer: bilateral network trained {result.History.Count} epochs, loss {first:F3} -> {last:F3}, test fine {metrics["fine/accuracy"]:P1}");
if (!(last < first)) return 1;
// CIFAR-100 in both layouts users have (the corpus folder is passed by .ci/check-package.sh).
return CifarCheck.Run(args.Length > 0 ? args[0] : "cifar-python") == 0 ? 0 : 1;
