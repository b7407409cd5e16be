using System.Buffers.Binary;
using System.Collections;
using System.Text;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace BilateralNeuro.Data;

/// <summary>
/// Loads the pickles CIFAR-100's python version is made of, safely. Two layers:
/// <list type="number">
/// <item>An opcode scan (<see cref="CheckGlobals"/>) walks the whole stream BEFORE anything is unpickled and refuses
/// every global (class or function reference) that is not on the allow-list — numpy's array reconstruction
/// (<c>numpy.core.multiarray._reconstruct</c>, <c>numpy.ndarray</c>, <c>numpy.dtype</c>) and <c>_codecs.encode</c>,
/// which Python 3 uses to write bytes at protocol 2 — as well as persistent ids, extension codes and out-of-band
/// buffers.</item>
/// <item>Razorvine.Pickle then decodes the stream; the numpy globals map to this file's constructors, which only
/// record the array's shape, dtype and bytes (nothing of the pickle is ever executed).</item>
/// </list>
/// Razorvine keeps its constructor table process-wide, so the numpy entries are registered there once; they replace
/// nothing Razorvine ships (it has no numpy support).
/// </summary>
internal static class SafePickle
{
    /// <summary>Globals a CIFAR-100 pickle may refer to.</summary>
    internal static readonly IReadOnlySet<string> AllowedGlobals = new HashSet<string>(StringComparer.Ordinal)
    {
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode",
    };

    static SafePickle()
    {
        Unpickler.registerConstructor("numpy.core.multiarray", "_reconstruct", new ReconstructConstructor());
        Unpickler.registerConstructor("numpy._core.multiarray", "_reconstruct", new ReconstructConstructor());
        Unpickler.registerConstructor("numpy", "ndarray", NdarrayClass.Instance);
        Unpickler.registerConstructor("numpy", "dtype", new DtypeConstructor());
    }

    /// <summary>Unpickles <paramref name="bytes"/> after the allow-list scan.</summary>
    /// <exception cref="InvalidDataException">A refused global or opcode, or a malformed pickle; the message names <paramref name="source"/>.</exception>
    public static object? Load(byte[] bytes, string source)
    {
        CheckGlobals(bytes, source);
        try
        {
            using var unpickler = new Unpickler();
            return unpickler.loads(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
        {
            // Razorvine reports malformed input with whatever the failing operation threw (casts, indexes, its own
            // PickleException): all of them mean "not a valid pickle".
            throw new InvalidDataException($"{source}: malformed pickle ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    /// <summary>
    /// Walks every opcode of protocols 0-5 without building anything and refuses globals outside
    /// <see cref="AllowedGlobals"/>, persistent ids, extension registry codes and out-of-band buffers.
    /// </summary>
    internal static void CheckGlobals(byte[] b, string source)
    {
        int p = 0;
        // Strings pushed recently and strings stored in the memo, so protocol 4's STACK_GLOBAL (module and name taken
        // from the stack) can be checked too; null stands for "not a known string".
        var recent = new List<string?>();
        var memo = new Dictionary<long, string?>();
        string? lastString = null;

        int Need(int n)
        {
            if (n < 0 || p > b.Length - n)
                throw new InvalidDataException($"{source}: malformed pickle: truncated at byte {p} (needs {n} more bytes, {b.Length - p} left).");
            int at = p;
            p += n;
            return at;
        }
        string Line()
        {
            int end = Array.IndexOf(b, (byte)'\n', p);
            if (end < 0) throw new InvalidDataException($"{source}: malformed pickle: unterminated text argument at byte {p}.");
            var s = Encoding.Latin1.GetString(b, p, end - p);
            p = end + 1;
            return s;
        }
        int Len4()
        {
            int at = Need(4);
            int n = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at));
            if (n < 0) throw new InvalidDataException($"{source}: malformed pickle: negative length {n} at byte {at}.");
            return n;
        }
        int Len8()
        {
            int at = Need(8);
            long n = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at));
            if (n < 0 || n > b.Length) throw new InvalidDataException($"{source}: malformed pickle: length {n} at byte {at} exceeds the file.");
            return (int)n;
        }
        void Global(string module, string name, int at)
        {
            var key = module + "." + name;
            if (!AllowedGlobals.Contains(key))
                throw new InvalidDataException(
                    $"{source}: the pickle refers to '{key}' at byte {at}; only numpy arrays are accepted " +
                    $"({string.Join(", ", AllowedGlobals)}). Nothing was loaded.");
        }

        bool sawStop = false;
        while (p < b.Length && !sawStop)
        {
            int at = p;
            byte op = b[p++];
            string? pushed = null;
            bool keepsRecent = false;
            switch (op)
            {
                case (byte)'.': sawStop = true; break;                                               // STOP
                case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'R' or (byte)'a'
                    or (byte)'b' or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o'
                    or (byte)'s' or (byte)'t' or (byte)')' or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88
                    or 0x89 or 0x8f or 0x90 or 0x91 or 0x92:
                    break;                                                                           // no argument
                case (byte)'F' or (byte)'I' or (byte)'L': Line(); break;                             // FLOAT INT LONG
                case (byte)'J': Need(4); break;                                                      // BININT
                case (byte)'K': Need(1); break;                                                      // BININT1
                case (byte)'M': Need(2); break;                                                      // BININT2
                case (byte)'G': Need(8); break;                                                      // BINFLOAT
                case (byte)'S' or (byte)'V': pushed = Line(); break;                                 // STRING UNICODE
                case (byte)'T' or (byte)'B': { int n = Len4(); int s = Need(n); if (op == 'T') pushed = Latin(b, s, n); break; }
                case (byte)'X': { int n = Len4(); int s = Need(n); pushed = Utf8(b, s, n); break; }  // BINUNICODE
                case (byte)'U' or (byte)'C': { int n = b[Need(1)]; int s = Need(n); if (op == 'U') pushed = Latin(b, s, n); break; }
                case 0x8c: { int n = b[Need(1)]; int s = Need(n); pushed = Utf8(b, s, n); break; }   // SHORT_BINUNICODE
                case 0x8d or 0x8e or 0x96: { int n = Len8(); int s = Need(n); if (op == 0x8d) pushed = Utf8(b, s, n); break; }
                case 0x8a: { int n = b[Need(1)]; Need(n); break; }                                  // LONG1
                case 0x8b: Need(Len4()); break;                                                      // LONG4
                case 0x80: Need(1); break;                                                           // PROTO
                case 0x95: Need(8); break;                                                           // FRAME
                case (byte)'c' or (byte)'i': Global(Line(), Line(), at); break;                      // GLOBAL INST
                case 0x93:                                                                           // STACK_GLOBAL
                {
                    string? name = recent.Count >= 1 ? recent[^1] : null, module = recent.Count >= 2 ? recent[^2] : null;
                    if (module is null || name is null)
                        throw new InvalidDataException($"{source}: the pickle builds a global from computed values at byte {at}; only literal numpy globals are accepted.");
                    Global(module, name, at);
                    break;
                }
                case (byte)'p': memo[long.TryParse(Line(), out var m) ? m : -1] = lastString; keepsRecent = true; break;   // PUT
                case (byte)'q': memo[b[Need(1)]] = lastString; keepsRecent = true; break;             // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(Need(4)))] = lastString; keepsRecent = true; break;
                case 0x94: memo[memo.Count] = lastString; keepsRecent = true; break;                  // MEMOIZE
                case (byte)'g': pushed = memo.GetValueOrDefault(long.TryParse(Line(), out var g) ? g : -1); break;   // GET
                case (byte)'h': pushed = memo.GetValueOrDefault(b[Need(1)]); break;                  // BINGET
                case (byte)'j': pushed = memo.GetValueOrDefault(BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(Need(4)))); break;
                case (byte)'P' or (byte)'Q':
                    throw new InvalidDataException($"{source}: the pickle uses a persistent id at byte {at}; not accepted.");
                case 0x82 or 0x83 or 0x84:
                    throw new InvalidDataException($"{source}: the pickle uses an extension registry code at byte {at}; not accepted.");
                case 0x97 or 0x98:
                    throw new InvalidDataException($"{source}: the pickle uses an out-of-band buffer at byte {at}; not accepted.");
                default:
                    throw new InvalidDataException($"{source}: malformed pickle: unknown opcode 0x{op:x2} at byte {at}.");
            }
            if (!keepsRecent)
            {
                recent.Add(pushed);
                if (recent.Count > 2) recent.RemoveAt(0);
                lastString = pushed;
            }
        }
        if (!sawStop) throw new InvalidDataException($"{source}: malformed pickle: no STOP opcode before the end ({b.Length} bytes).");
    }

    private static string? Latin(byte[] b, int start, int n) => n <= 256 ? Encoding.Latin1.GetString(b, start, n) : null;
    private static string? Utf8(byte[] b, int start, int n) => n <= 256 ? Encoding.UTF8.GetString(b, start, n) : null;

    /// <summary>Bytes of a pickled byte string: Python 2 <c>str</c> (Latin-1 chars) or Python 3 <c>bytes</c>.</summary>
    internal static byte[]? AsBytes(object? value)
    {
        switch (value)
        {
            case byte[] bytes: return bytes;
            case string s:
            {
                var result = new byte[s.Length];
                for (int i = 0; i < s.Length; i++)
                {
                    if (s[i] > 0xFF) return null;
                    result[i] = (byte)s[i];
                }
                return result;
            }
            default: return null;
        }
    }

    /// <summary>A dict key as text (Python 2 str, Python 3 str, or bytes from <c>encoding='bytes'</c> re-pickling).</summary>
    internal static string? KeyText(object? key) => key switch
    {
        string s => s,
        byte[] b => Encoding.Latin1.GetString(b),
        _ => null,
    };

    /// <summary>The pickled class <c>numpy.ndarray</c> (only ever an argument of <c>_reconstruct</c>).</summary>
    internal sealed class NdarrayClass : IObjectConstructor
    {
        public static NdarrayClass Instance { get; } = new();

        public object construct(object[] args) => throw new PickleException("numpy.ndarray(...) called directly; only _reconstruct is accepted.");
    }

    /// <summary><c>numpy.dtype(name, align, copy)</c>: records the type name; its state is checked, not applied.</summary>
    internal sealed class DtypeConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 1 || args[0] is not string name)
                throw new PickleException("numpy.dtype: expected a type name as first argument.");
            return new NumpyDtype(name);
        }
    }

    /// <summary><c>numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')</c>: an empty array filled by BUILD.</summary>
    internal sealed class ReconstructConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length != 3 || !ReferenceEquals(args[0], NdarrayClass.Instance))
                throw new PickleException("_reconstruct: expected (numpy.ndarray, shape, typecode).");
            return new NumpyArray();
        }
    }
}

/// <summary>A numpy dtype as pickled: its type name (e.g. <c>u1</c>) and byte-order character.</summary>
internal sealed class NumpyDtype(string name)
{
    /// <summary>Type name as given to <c>numpy.dtype</c> (<c>u1</c> for uint8).</summary>
    public string Name { get; } = name;

    /// <summary>True for one-byte unsigned integers.</summary>
    public bool IsUInt8 => Name is "u1" or "|u1" or "uint8" or "B";

    /// <summary>BUILD state (version, byte order, ...); accepted as data, never executed.</summary>
    public void __setstate__(object[] state)
    {
        if (state.Length < 2) throw new PickleException("numpy.dtype state: expected (version, byteorder, ...).");
    }
}

/// <summary>A numpy array as pickled: shape, dtype, memory order and the raw bytes.</summary>
internal sealed class NumpyArray
{
    /// <summary>Dimensions.</summary>
    public long[] Shape { get; private set; } = [];
    /// <summary>Element type.</summary>
    public NumpyDtype? Dtype { get; private set; }
    /// <summary>Column-major raw data.</summary>
    public bool FortranOrder { get; private set; }
    /// <summary>Raw element bytes.</summary>
    public byte[]? Data { get; private set; }

    /// <summary>BUILD state: (version, shape, dtype, is_fortran, rawdata) or (shape, dtype, is_fortran, rawdata).</summary>
    public void __setstate__(object[] state)
    {
        int o = state.Length switch
        {
            5 => 1,
            4 => 0,
            _ => throw new PickleException($"numpy array state has {state.Length} items, expected 4 or 5."),
        };
        if (state[o] is not object[] shape) throw new PickleException("numpy array state: the shape is not a tuple.");
        Shape = shape.Select(d => d switch
        {
            int i when i >= 0 => (long)i,
            long l when l >= 0 => l,
            _ => throw new PickleException($"numpy array state: dimension '{d}' is not a non-negative integer."),
        }).ToArray();
        Dtype = state[o + 1] as NumpyDtype ?? throw new PickleException("numpy array state: no dtype.");
        FortranOrder = state[o + 2] switch
        {
            bool f => f,
            int i => i != 0,
            _ => throw new PickleException("numpy array state: the Fortran-order flag is not a bool."),
        };
        Data = SafePickle.AsBytes(state[o + 3]) ?? throw new PickleException("numpy array state: the data is not a byte string (object arrays are not accepted).");
    }
}
