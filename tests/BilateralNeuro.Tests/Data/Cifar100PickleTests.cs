using System.Text;
using BilateralNeuro.Data;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static BilateralNeuro.Tests.Data.Cifar100PickleFixture;

namespace BilateralNeuro.Tests.Data;

/// <summary>CIFAR-100's python version (pickles) and torchvision's root/archive layouts through <see cref="Datasets.Cifar100"/>.</summary>
public sealed class Cifar100PickleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-cifar-pickle-").FullName;

    private static void ShouldHold(LabeledImages data, Split expected)
    {
        data.Images.shape.Should().Equal(expected.Count, 3, 32, 32);
        data.Images.data<byte>().ToArray().Should().Equal(expected.Pixels);
        data.Labels[LabelLevels.Fine].data<long>().ToArray().Should().Equal(expected.FineLabels.Select(x => (long)x));
        data.Labels[LabelLevels.Coarse].data<long>().ToArray().Should().Equal(expected.CoarseLabels.Select(x => (long)x));
        data.ClassNames[LabelLevels.Fine].Should().HaveCount(100);
        data.ClassNames[LabelLevels.Fine][37].Should().Be("fine_37", "the names come from the dataset's own meta / names files");
        data.ClassNames[LabelLevels.Coarse][19].Should().Be("coarse_19");
    }

    [Theory]
    [InlineData("py3-proto2")]
    [InlineData("py3-proto4")]
    public void Pickles_written_by_numpy_are_read_with_pixels_labels_and_meta_names(string prefix)
    {
        // Written once by Data/make_cifar_pickles.py with Debian's python3-numpy 1.24 (protocol 2: _codecs.encode bytes;
        // protocol 4: STACK_GLOBAL and memoised names); same content as the C# fixture.
        var corpus = Path.Combine(ReaderFuzzer.CorpusFolder(), "cifar-python");
        var names = Cifar100Reader.ParsePickleMeta(File.ReadAllBytes(Path.Combine(corpus, prefix + "-meta")), "meta");
        using var train = Cifar100Reader.ParsePickle(File.ReadAllBytes(Path.Combine(corpus, prefix + "-train")), "train", "t", names);
        using var test = Cifar100Reader.ParsePickle(File.ReadAllBytes(Path.Combine(corpus, prefix + "-test")), "test", "t", names);
        ShouldHold(train, Train);
        ShouldHold(test, Test);
    }

    [Fact]
    public void Torchvision_root_with_the_python_folder_reads_like_the_distributed_files()
    {
        WritePythonFolder(dir);
        var (train, test) = Datasets.Cifar100(dir, NullLogger.Instance);
        using (train) using (test)
        {
            ShouldHold(train, Train);
            ShouldHold(test, Test);
            train.Source.Should().EndWith(Path.Combine("cifar-100-python", "train"));
        }
    }

    [Fact]
    public void Python_and_binary_layouts_give_the_same_pixels_labels_and_names_through_the_same_call()
    {
        var pyRoot = Directory.CreateDirectory(Path.Combine(dir, "py")).FullName;
        var binRoot = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
        var pyFolder = WritePythonFolder(pyRoot);
        var binFolder = WriteBinaryFolder(binRoot);
        foreach (var (a, b) in new[] { (pyRoot, binRoot), (pyFolder, binFolder) })   // the root, and the folder itself
        {
            var (pyTrain, pyTest) = Datasets.Cifar100(a);
            var (binTrain, binTest) = Datasets.Cifar100(b);
            using (pyTrain) using (pyTest) using (binTrain) using (binTest)
            {
                pyTrain.Source.Should().NotBe(binTrain.Source);
                pyTrain.Images.data<byte>().ToArray().Should().Equal(binTrain.Images.data<byte>().ToArray());
                pyTest.Images.data<byte>().ToArray().Should().Equal(binTest.Images.data<byte>().ToArray());
                foreach (var level in new[] { LabelLevels.Fine, LabelLevels.Coarse })
                {
                    pyTrain.Labels[level].data<long>().ToArray().Should().Equal(binTrain.Labels[level].data<long>().ToArray());
                    pyTest.Labels[level].data<long>().ToArray().Should().Equal(binTest.Labels[level].data<long>().ToArray());
                    pyTrain.ClassNames[level].Should().Equal(binTrain.ClassNames[level]);
                }
                ShouldHold(binTest, Test);
            }
        }
    }

    [Theory]
    [InlineData("cifar-100-python")]
    [InlineData("cifar-100-binary")]
    public void An_archive_in_the_root_is_extracted_there_and_read(string version)
    {
        var staging = Directory.CreateDirectory(Path.Combine(dir, "staging")).FullName;
        var folder = version == "cifar-100-python" ? WritePythonFolder(staging) : WriteBinaryFolder(staging);
        var root = Directory.CreateDirectory(Path.Combine(dir, "root")).FullName;
        TarGz(folder, Path.Combine(root, version + ".tar.gz"));
        var (train, test) = Datasets.Cifar100(root);
        using (train) using (test)
        {
            ShouldHold(train, Train);
            ShouldHold(test, Test);
        }
        Directory.Exists(Path.Combine(root, version)).Should().BeTrue("the archive is extracted into the root, as torchvision does");
    }

    [Fact]
    public void A_root_without_CIFAR_gets_one_message_listing_the_layouts_looked_for()
    {
        var act = () => Datasets.Cifar100(dir);
        act.Should().Throw<DirectoryNotFoundException>()
            .WithMessage($"*'{dir}'*cifar-100-python/*cifar-100-binary/*cifar-100-python.tar.gz*");
        var missing = () => Datasets.Cifar100(Path.Combine(dir, "nope"));
        missing.Should().Throw<DirectoryNotFoundException>().WithMessage("*nope' does not exist*");
        var embedded = () => Datasets.Cifar100(DataLocator.EmbeddedKeyword);
        embedded.Should().Throw<DirectoryNotFoundException>().WithMessage("*no embedded subset*");
    }

    [Fact]
    public void A_pickle_naming_any_other_global_is_refused_before_anything_is_built()
    {
        var folder = WritePythonFolder(dir);
        var train = Path.Combine(folder, "train");
        // GLOBAL os.system called with a shell command: the classic pickle exploit.
        var w = new Writer();
        w.Op(0x80).Op(2).Op('c').Raw("os\nsystem\n").Str("touch " + Path.Combine(dir, "pwned")).Op(0x85).Op('R').Op('.');
        File.WriteAllBytes(train, w.ToArray());
        var act = () => Cifar100Reader.ReadPickle(train);
        act.Should().Throw<InvalidDataException>().WithMessage($"{train}: the pickle refers to 'os.system'*only numpy arrays*");
        File.Exists(Path.Combine(dir, "pwned")).Should().BeFalse();

        // Protocol 4's STACK_GLOBAL with literal names, and with a name taken from the memo.
        var stack = new Writer();
        stack.Op(0x80).Op(4).Op(0x8c).Op(5).Raw("posix").Op(0x94).Op(0x8c).Op(6).Raw("system").Op(0x93).Op('.');
        var act2 = () => Cifar100Reader.ParsePickle(stack.ToArray(), "stack.pkl", "x", new Dictionary<string, IReadOnlyList<string>>());
        act2.Should().Throw<InvalidDataException>().WithMessage("stack.pkl: the pickle refers to 'posix.system'*");
        var computed = new Writer();
        computed.Op(0x80).Op(4).Op(0x8c).Op(5).Raw("numpy").Op(')').Op(0x93).Op('.');
        var act3 = () => Cifar100Reader.ParsePickle(computed.ToArray(), "computed.pkl", "x", new Dictionary<string, IReadOnlyList<string>>());
        act3.Should().Throw<InvalidDataException>().WithMessage("computed.pkl: the pickle builds a global from computed values*");

        // A numpy array whose class slot is something else than numpy.ndarray, e.g. a builtin.
        var odd = SplitPickle(Train, global: "builtins\neval\n");
        var act4 = () => Cifar100Reader.ParsePickle(odd, "odd.pkl", "x", new Dictionary<string, IReadOnlyList<string>>());
        act4.Should().Throw<InvalidDataException>().WithMessage("odd.pkl: the pickle refers to 'builtins.eval'*");
    }

    [Fact]
    public void Malformed_or_wrong_content_gets_one_message_naming_the_file()
    {
        var names = new Dictionary<string, IReadOnlyList<string>>();
        var good = SplitPickle(Train);
        LabeledImages Parse(byte[] b) => Cifar100Reader.ParsePickle(b, "f.pkl", "x", names);
        FluentActions.Invoking(() => Parse(good[..(good.Length / 2)])).Should().Throw<InvalidDataException>().WithMessage("f.pkl: malformed pickle*");
        FluentActions.Invoking(() => Parse([])).Should().Throw<InvalidDataException>().WithMessage("f.pkl: malformed pickle*");
        FluentActions.Invoking(() => Parse(SplitPickle(Train, dtype: "f8"))).Should().Throw<InvalidDataException>()
            .WithMessage("f.pkl: 'data' has dtype 'f8', expected uint8*");
        var badLabel = Train with { FineLabels = [0, 37, 100, 5, 58] };
        FluentActions.Invoking(() => Parse(SplitPickle(badLabel))).Should().Throw<InvalidDataException>()
            .WithMessage("f.pkl: 'fine_labels'[2] is 100, expected an integer 0..99.");
        var shortLabels = Train with { CoarseLabels = [4, 9] };
        FluentActions.Invoking(() => Parse(SplitPickle(shortLabels))).Should().Throw<InvalidDataException>()
            .WithMessage("f.pkl: 'coarse_labels' holds 2 labels for 5 images.");
        FluentActions.Invoking(() => Parse(MetaPickle())).Should().Throw<InvalidDataException>()
            .WithMessage("f.pkl: no numpy array 'data'*");
        var list = new Writer();
        list.Op(0x80).Op(2).Op(']').Op('.');
        FluentActions.Invoking(() => Parse(list.ToArray())).Should().Throw<InvalidDataException>().WithMessage("f.pkl: the pickle does not hold a dict*");
        FluentActions.Invoking(() => Cifar100Reader.ParsePickleMeta(good, "meta")).Should().Throw<InvalidDataException>()
            .WithMessage("meta: no list 'fine_label_names'*");
    }

    [Fact]
    public void A_broken_file_in_the_root_is_named_in_the_error()
    {
        var folder = WritePythonFolder(dir);
        var test = Path.Combine(folder, "test");
        File.WriteAllBytes(test, Encoding.ASCII.GetBytes("not a pickle"));
        var act = () => Datasets.Cifar100(dir);
        act.Should().Throw<InvalidDataException>().WithMessage($"{test}: malformed pickle*");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
