// Consumer check, part 2: CIFAR-100 as a user holds it, read through the packaged Datasets.Cifar100(root).
// ROOT/cifar-100-python/{train,test,meta} are pickles numpy wrote (tests/BilateralNeuro.Tests/Data/Corpus/cifar-python,
// protocol 2, written by Data/make_cifar_pickles.py); ROOT/cifar-100-binary comes from the tests' fixture writer with
// the same content. Both layouts must give the expected pixels, labels and label names through the same call.
using BilateralNeuro.Data;
using BilateralNeuro.Tests.Data;

internal static class CifarCheck
{
    public static int Run(string corpus)
    {
        string root = Directory.CreateTempSubdirectory("consumer-cifar-").FullName;
        try
        {
            var pyRoot = Directory.CreateDirectory(Path.Combine(root, "py")).FullName;
            var py = Directory.CreateDirectory(Path.Combine(pyRoot, "cifar-100-python")).FullName;
            foreach (var part in new[] { "train", "test", "meta" })
                File.Copy(Path.Combine(corpus, "py3-proto2-" + part), Path.Combine(py, part));
            var binRoot = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
            Cifar100PickleFixture.WriteBinaryFolder(binRoot);

            int failures = 0;
            foreach (var (layout, dir) in new[] { ("cifar-100-python", pyRoot), ("cifar-100-binary", binRoot) })
            {
                var (train, test) = Datasets.Cifar100(dir);
                using (train) using (test)
                {
                    foreach (var (data, expected, split) in new[] { (train, Cifar100PickleFixture.Train, "train"), (test, Cifar100PickleFixture.Test, "test") })
                    {
                        bool pixels = data.Images.shape.SequenceEqual(new long[] { expected.Count, 3, 32, 32 })
                            && data.Images.data<byte>().ToArray().SequenceEqual(expected.Pixels);
                        bool fine = data.Labels[LabelLevels.Fine].data<long>().ToArray().SequenceEqual(expected.FineLabels.Select(x => (long)x));
                        bool coarse = data.Labels[LabelLevels.Coarse].data<long>().ToArray().SequenceEqual(expected.CoarseLabels.Select(x => (long)x));
                        bool names = data.ClassNames[LabelLevels.Fine].Count == 100 && data.ClassNames[LabelLevels.Fine][37] == "fine_37"
                            && data.ClassNames[LabelLevels.Coarse].Count == 20 && data.ClassNames[LabelLevels.Coarse][19] == "coarse_19";
                        Console.WriteLine($"consumer: Datasets.Cifar100(root with {layout}) {split}: {data.Images.shape[0]} images, pixels {(pixels ? "ok" : "WRONG")}, fine labels {(fine ? "ok" : "WRONG")}, coarse labels {(coarse ? "ok" : "WRONG")}, label names {(names ? "ok" : "WRONG")}");
                        if (!(pixels && fine && coarse && names)) failures++;
                    }
                }
            }
            return failures;
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
