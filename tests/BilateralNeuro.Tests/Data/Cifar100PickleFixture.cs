using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace BilateralNeuro.Tests.Data;

/// <summary>
/// Writes CIFAR-100 files for tests, in the python version byte for byte as Python 2's cPickle wrote the distributed
/// <c>cifar-100-python/{train,test,meta}</c> (protocol 2, str keys as SHORT_BINSTRING, the numpy array through
/// <c>numpy.core.multiarray._reconstruct</c> with its bytes as one BINSTRING) and in the binary version, from the same
/// content. A test-only protocol-2 writer; the library only reads.
/// </summary>
internal static class Cifar100PickleFixture
{
    /// <summary>Fine labels cycled through, and their CIFAR-100 superclasses (as in make_cifar_pickles.py).</summary>
    public static readonly int[] Fine = [0, 37, 99, 5, 58];
    public static readonly Dictionary<int, int> CoarseOf = new() { [0] = 4, [37] = 9, [99] = 13, [5] = 6, [58] = 18 };

    /// <summary>Content of one split: pixel j of image i is (i * 31 + j * 7 + salt) % 256.</summary>
    public sealed record Split(byte[] Pixels, int[] FineLabels, int[] CoarseLabels)
    {
        public int Count => FineLabels.Length;
    }

    public static Split Make(int n, int salt)
    {
        var pixels = new byte[n * 3072];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 3072; j++)
                pixels[i * 3072 + j] = (byte)((i * 31 + j * 7 + salt) % 256);
        var fine = Enumerable.Range(0, n).Select(k => Fine[k % Fine.Length]).ToArray();
        return new Split(pixels, fine, fine.Select(f => CoarseOf[f]).ToArray());
    }

    public static Split Train { get; } = Make(5, 0);
    public static Split Test { get; } = Make(3, 101);

    /// <summary>Writes <c>dir/cifar-100-python/{train,test,meta}</c> (Python 2 style) and returns that folder.</summary>
    public static string WritePythonFolder(string dir, Split? train = null, Split? test = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(dir, "cifar-100-python")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "train"), SplitPickle(train ?? Train));
        File.WriteAllBytes(Path.Combine(folder, "test"), SplitPickle(test ?? Test));
        File.WriteAllBytes(Path.Combine(folder, "meta"), MetaPickle());
        return folder;
    }

    /// <summary>Writes <c>dir/cifar-100-binary/{train.bin,test.bin,*_label_names.txt}</c> and returns that folder.</summary>
    public static string WriteBinaryFolder(string dir, Split? train = null, Split? test = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(dir, "cifar-100-binary")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Binary(train ?? Train));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Binary(test ?? Test));
        File.WriteAllLines(Path.Combine(folder, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(k => $"fine_{k}"));
        File.WriteAllLines(Path.Combine(folder, "coarse_label_names.txt"), Enumerable.Range(0, 20).Select(k => $"coarse_{k}"));
        return folder;
    }

    /// <summary>Packs <paramref name="folder"/> (as its own top-level folder) into <paramref name="archive"/>.</summary>
    public static void TarGz(string folder, string archive)
    {
        using var file = File.Create(archive);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        var name = Path.GetFileName(folder);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name + "/"));
        foreach (var f in Directory.GetFiles(folder).Order())
            tar.WriteEntry(f, name + "/" + Path.GetFileName(f));
    }

    public static byte[] Binary(Split s)
    {
        var bytes = new byte[s.Count * 3074];
        for (int i = 0; i < s.Count; i++)
        {
            bytes[i * 3074] = (byte)s.CoarseLabels[i];
            bytes[i * 3074 + 1] = (byte)s.FineLabels[i];
            Buffer.BlockCopy(s.Pixels, i * 3072, bytes, i * 3074 + 2, 3072);
        }
        return bytes;
    }

    public static byte[] SplitPickle(Split s, string dtype = "u1", string global = "numpy.core.multiarray\n_reconstruct\n")
    {
        var w = new Writer();
        w.Op(0x80).Op(2).Op('}').Put().Op('(');
        w.Str("data");
        w.Op('c').Raw(global).Put().Op('c').Raw("numpy\nndarray\n").Put().Int(0).Op(0x85).Str("b").Op(0x87).Op('R').Put();
        w.Op('(').Int(1).Int(s.Count).Int(3072).Op(0x86)
            .Op('c').Raw("numpy\ndtype\n").Put().Str(dtype).Int(0).Int(1).Op(0x87).Op('R').Put()
            .Op('(').Int(3).Str("|").Op('N').Op('N').Op('N').Int(-1).Int(-1).Int(0).Op('t').Op('b')
            .Op(0x89).Str(Encoding.Latin1.GetString(s.Pixels)).Op('t').Op('b');
        w.Str("fine_labels").IntList(s.FineLabels);
        w.Str("coarse_labels").IntList(s.CoarseLabels);
        w.Str("batch_label").Str("fixture");
        w.Op('u').Op('.');
        return w.ToArray();
    }

    public static byte[] MetaPickle()
    {
        var w = new Writer();
        w.Op(0x80).Op(2).Op('}').Put().Op('(');
        w.Str("fine_label_names").StrList(Enumerable.Range(0, 100).Select(k => $"fine_{k}"));
        w.Str("coarse_label_names").StrList(Enumerable.Range(0, 20).Select(k => $"coarse_{k}"));
        w.Op('u').Op('.');
        return w.ToArray();
    }

    /// <summary>A minimal protocol-2 opcode writer (what cPickle emits for str, int, list, tuple, dict).</summary>
    public sealed class Writer
    {
        private readonly MemoryStream s = new();
        private int memo = 1;

        public Writer Op(int op) { s.WriteByte((byte)op); return this; }
        public Writer Op(char op) => Op((int)op);
        public Writer Raw(string latin1) { s.Write(Encoding.Latin1.GetBytes(latin1)); return this; }

        public Writer Put()
        {
            Op('q').Op(memo++ & 0xFF);
            return this;
        }

        public Writer Int(int v)
        {
            if (v is >= 0 and < 256) return Op('K').Op(v);
            if (v is >= 0 and < 65536) { Op('M'); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); s.Write(b); return this; }
            Op('J');
            Span<byte> c = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(c, v);
            s.Write(c);
            return this;
        }

        public Writer Str(string latin1)
        {
            var bytes = Encoding.Latin1.GetBytes(latin1);
            if (bytes.Length < 256) Op('U').Op(bytes.Length);
            else
            {
                Op('T');
                Span<byte> c = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(c, bytes.Length);
                s.Write(c);
            }
            s.Write(bytes);
            return Put();
        }

        public Writer IntList(IEnumerable<int> values)
        {
            Op(']').Put().Op('(');
            foreach (var v in values) Int(v);
            return Op('e');
        }

        public Writer StrList(IEnumerable<string> values)
        {
            Op(']').Put().Op('(');
            foreach (var v in values) Str(v);
            return Op('e');
        }

        public byte[] ToArray() => s.ToArray();
    }
}
