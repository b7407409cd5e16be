#nullable enable
// This file is compiled twice: into the BilateralNeuro library (BILATERALNEURO_LIBRARY defined) and, by MSBuild's
// RoslynCodeTaskFactory, into the build task that patches the app's copy of libLibTorchSharp.so after each build.
// Keep it to plain C# that also compiles against netstandard2.0 (no Span, no records, no File.Move overwrite).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace BilateralNeuro.Core.Native
{
    /// <summary>Outcome of <see cref="ElfVersionNeedPatcher.Patch(string, ICollection{string})"/>.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>Every version the library needs is provided: nothing to do.</summary>
        NotNeeded,
        /// <summary>The missing versions were already weak (an earlier run patched the file).</summary>
        AlreadyPatched,
        /// <summary>The missing versions were marked weak and the file was replaced atomically.</summary>
        Patched,
    }

    /// <summary>One entry of an ELF file's version-needs table (<c>.gnu.version_r</c>).</summary>
    public sealed class ElfVersionNeed
    {
        internal ElfVersionNeed(string file, string name, ushort flags, ushort index, long flagsOffset)
        {
            File = file; Name = name; Flags = flags; Index = index; FlagsOffset = flagsOffset;
        }

        /// <summary>The shared library that must provide the version, e.g. <c>libstdc++.so.6</c>.</summary>
        public string File { get; }
        /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Name { get; }
        /// <summary>The <c>vna_flags</c> field; bit 0x2 is <c>VER_FLG_WEAK</c>.</summary>
        public ushort Flags { get; }
        /// <summary>The version index that <c>.gnu.version</c> uses for symbols bound to this version.</summary>
        public ushort Index { get; }
        /// <summary>Byte offset of <c>vna_flags</c> in the file.</summary>
        public long FlagsOffset { get; }
        /// <summary>Whether the entry is marked weak (a missing weak version does not stop the loader).</summary>
        public bool IsWeak { get { return (Flags & ElfVersionNeedPatcher.VerFlagWeak) != 0; } }
    }

    /// <summary>
    /// Reads and edits the symbol-version tables of 64-bit little-endian ELF shared libraries. Used to make
    /// TorchSharp's <c>libLibTorchSharp.so</c> (built against GCC 13) load on systems whose libstdc++ stops at
    /// GCC 12 (<c>GLIBCXX_3.4.30</c>, Debian 12 / Ubuntu 22.04): a needed version that the system lacks is marked
    /// weak, but only when no relocation refers to any symbol bound to it (such a version only pins the version
    /// and is never called), so the edit cannot hide a symbol the library really uses.
    /// </summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary><c>VER_FLG_WEAK</c>: the loader does not fail when a weak needed version is missing.</summary>
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
        private const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

        /// <summary>Reads every needed version of an ELF file.</summary>
        /// <exception cref="InvalidDataException">The bytes are not a well-formed 64-bit little-endian ELF file.</exception>
        public static IList<ElfVersionNeed> ReadVersionNeeds(byte[] elf, string name)
        {
            var image = new Image(elf, name);
            var result = new List<ElfVersionNeed>();
            foreach (var sec in image.Sections)
            {
                if (sec.Type != ShtGnuVerneed) continue;
                var strtab = image.Section((int)sec.Link, "version-needs string table");
                long pos = sec.Offset;
                for (uint i = 0; i < sec.Info; i++)
                {
                    image.Need(pos, 16, "Elf64_Verneed");
                    ushort cnt = image.U16(pos + 2);
                    string file = image.Str(strtab, image.U32(pos + 4));
                    long aux = pos + image.U32(pos + 8);
                    for (int j = 0; j < cnt; j++)
                    {
                        image.Need(aux, 16, "Elf64_Vernaux");
                        result.Add(new ElfVersionNeed(file, image.Str(strtab, image.U32(aux + 8)), image.U16(aux + 4),
                            image.U16(aux + 6), aux + 4));
                        uint nextAux = image.U32(aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = image.U32(pos + 12);
                    if (next == 0) break;
                    pos += next;
                }
            }
            return result;
        }

        /// <summary>Reads the version names an ELF shared library defines (e.g. libstdc++'s <c>GLIBCXX_*</c>).</summary>
        /// <exception cref="InvalidDataException">The bytes are not a well-formed 64-bit little-endian ELF file.</exception>
        public static ISet<string> ReadVersionDefinitions(byte[] elf, string name)
        {
            var image = new Image(elf, name);
            var result = new HashSet<string>(StringComparer.Ordinal);
            foreach (var sec in image.Sections)
            {
                if (sec.Type != ShtGnuVerdef) continue;
                var strtab = image.Section((int)sec.Link, "version-definitions string table");
                long pos = sec.Offset;
                for (uint i = 0; i < sec.Info; i++)
                {
                    image.Need(pos, 20, "Elf64_Verdef");
                    ushort cnt = image.U16(pos + 6);
                    long aux = pos + image.U32(pos + 12);
                    if (cnt > 0)
                    {
                        image.Need(aux, 8, "Elf64_Verdaux");
                        result.Add(image.Str(strtab, image.U32(aux)));
                    }
                    uint next = image.U32(pos + 16);
                    if (next == 0) break;
                    pos += next;
                }
            }
            return result;
        }

        /// <summary>
        /// Names of dynamic symbols bound to version index <paramref name="versionIndex"/> that some relocation
        /// refers to. An empty answer means the version is only a pin and can be weakened safely.
        /// </summary>
        public static IList<string> RelocatedSymbolsOfVersion(byte[] elf, string name, ushort versionIndex)
        {
            var image = new Image(elf, name);
            Section? dynsym = null, versym = null;
            foreach (var s in image.Sections)
            {
                if (s.Type == ShtDynsym) dynsym = s;
                else if (s.Type == ShtGnuVersym) versym = s;
            }
            if (dynsym == null || versym == null) return new List<string>();
            var dynstr = image.Section((int)dynsym.Value.Link, "dynamic string table");
            long count = dynsym.Value.Size / 24;
            image.Need(versym.Value.Offset, count * 2, ".gnu.version");
            var bound = new HashSet<long>();
            for (long i = 0; i < count; i++)
                if ((image.U16(versym.Value.Offset + 2 * i) & 0x7fff) == versionIndex) bound.Add(i);
            var names = new List<string>();
            if (bound.Count == 0) return names;
            foreach (var s in image.Sections)
            {
                if (s.Type != ShtRela && s.Type != ShtRel) continue;
                long entry = s.Type == ShtRela ? 24 : 16;
                image.Need(s.Offset, s.Size, "relocation section");
                for (long off = s.Offset; off + entry <= s.Offset + s.Size; off += entry)
                {
                    long sym = (long)(image.U64(off + 8) >> 32);
                    if (bound.Contains(sym))
                    {
                        image.Need(dynsym.Value.Offset + sym * 24, 24, "Elf64_Sym");
                        string n = image.Str(dynstr, image.U32(dynsym.Value.Offset + sym * 24));
                        if (!names.Contains(n)) names.Add(n);
                    }
                }
            }
            return names;
        }

        /// <summary>
        /// Marks weak every version <paramref name="path"/> needs from libstdc++ that <paramref name="available"/>
        /// lacks, after checking no relocation uses it; writes a temporary file and renames it over the original
        /// (atomic; a hard link into a package cache is replaced, never written through). Idempotent.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is not a well-formed ELF file, or a missing version is
        /// really used by a relocation (weakening it would defer the failure to a crash).</exception>
        public static ElfPatchOutcome Patch(string path, ICollection<string> available)
        {
            byte[] bytes = File.ReadAllBytes(path);
            var missing = new List<ElfVersionNeed>();
            foreach (var need in ReadVersionNeeds(bytes, path))
                if (need.File.StartsWith("libstdc++", StringComparison.Ordinal) && !available.Contains(need.Name))
                    missing.Add(need);
            if (missing.Count == 0) return ElfPatchOutcome.NotNeeded;
            bool changed = false;
            foreach (var need in missing)
            {
                if (need.IsWeak) continue;
                var used = RelocatedSymbolsOfVersion(bytes, path, need.Index);
                if (used.Count > 0)
                    throw new InvalidDataException(string.Format(
                        "{0}: needs {1} from {2}, which this system's libstdc++ lacks, and relocations use its symbols ({3}); " +
                        "it cannot be made to load by weakening the version. Install a libstdc++ from GCC 13 or newer.",
                        path, need.Name, need.File, string.Join(", ", used)));
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                bytes[need.FlagsOffset] = (byte)(flags & 0xff);
                bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed = true;
            }
            if (!changed) return ElfPatchOutcome.AlreadyPatched;
            string temp = path + ".patching-" + Guid.NewGuid().ToString("N");
            try
            {
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(true);
                }
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return ElfPatchOutcome.Patched;
        }

        /// <summary>Finds the system's libstdc++.so.6 (null when none of the usual places has it).</summary>
        public static string? FindSystemLibStdCxx()
        {
            string[] dirs =
            {
                "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            };
            foreach (var d in dirs)
            {
                string p = Path.Combine(d, "libstdc++.so.6");
                if (File.Exists(p)) return p;
            }
            return null;
        }

        /// <summary>The version names the system's libstdc++ defines, or null when it cannot be found.</summary>
        public static ISet<string>? SystemLibStdCxxVersions()
        {
            string? lib = FindSystemLibStdCxx();
            return lib == null ? null : ReadVersionDefinitions(File.ReadAllBytes(lib), lib);
        }

        private struct Section
        {
            public uint Type, Link, Info;
            public long Offset, Size;
        }

        private sealed class Image
        {
            private readonly byte[] b;
            private readonly string name;
            public readonly List<Section> Sections = new List<Section>();

            public Image(byte[] bytes, string name)
            {
                b = bytes;
                this.name = name;
                if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
                    throw Bad(0, "no ELF magic (expected 7F 45 4C 46)");
                if (b[4] != 2) throw Bad(4, "not a 64-bit ELF file (EI_CLASS " + b[4] + ", expected 2)");
                if (b[5] != 1) throw Bad(5, "not little-endian (EI_DATA " + b[5] + ", expected 1)");
                long shoff = (long)U64(0x28);
                int shentsize = U16(0x3a), shnum = U16(0x3c);
                if (shnum == 0) return;
                if (shentsize != 64) throw Bad(0x3a, "section header size " + shentsize + ", expected 64");
                Need(shoff, (long)shnum * 64, "section header table");
                for (int i = 0; i < shnum; i++)
                {
                    long h = shoff + i * 64L;
                    var s = new Section
                    {
                        Type = U32(h + 4), Offset = (long)U64(h + 0x18), Size = (long)U64(h + 0x20),
                        Link = U32(h + 0x28), Info = U32(h + 0x2c),
                    };
                    if (s.Type != 8 /* SHT_NOBITS */ && s.Type != 0) Need(s.Offset, s.Size, "section " + i);
                    Sections.Add(s);
                }
            }

            public Section Section(int index, string what)
            {
                if (index <= 0 || index >= Sections.Count)
                    throw Bad(0x3c, what + " refers to section " + index + ", but the file has " + Sections.Count);
                return Sections[index];
            }

            public void Need(long offset, long length, string what)
            {
                if (offset < 0 || length < 0 || offset > b.Length || length > b.Length - offset)
                    throw Bad(offset, what + " of " + length + " bytes runs past the end of the file (" + b.Length + " bytes)");
            }

            public ushort U16(long o) { Need(o, 2, "field"); return (ushort)(b[o] | b[o + 1] << 8); }
            public uint U32(long o) { Need(o, 4, "field"); return (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24); }
            public ulong U64(long o) { return U32(o) | (ulong)U32(o + 4) << 32; }

            public string Str(Section strtab, uint index)
            {
                if (index >= strtab.Size) throw Bad(strtab.Offset, "string index " + index + " outside its table of " + strtab.Size + " bytes");
                long start = strtab.Offset + index, end = start;
                long limit = strtab.Offset + strtab.Size;
                while (end < limit && b[end] != 0) end++;
                if (end == limit) throw Bad(start, "unterminated string");
                return Encoding.ASCII.GetString(b, (int)start, (int)(end - start));
            }

            private InvalidDataException Bad(long offset, string what)
            {
                return new InvalidDataException(name + ": malformed ELF at offset " + offset + ": " + what + ".");
            }
        }
    }

#if !BILATERALNEURO_LIBRARY
    /// <summary>MSBuild task: patches each given libLibTorchSharp.so when the build machine's libstdc++ needs it.</summary>
    public class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>Candidate files (missing ones are skipped).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

        /// <inheritdoc />
        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux)) return true;
            ISet<string>? versions;
            try { versions = ElfVersionNeedPatcher.SystemLibStdCxxVersions(); }
            catch (InvalidDataException e) { Log.LogWarning("BilateralNeuro: cannot read the system libstdc++: " + e.Message); return true; }
            if (versions == null) { Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "BilateralNeuro: no system libstdc++.so.6 found; nothing patched."); return true; }
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                try
                {
                    var outcome = ElfVersionNeedPatcher.Patch(path, versions);
                    var importance = outcome == ElfPatchOutcome.Patched ? Microsoft.Build.Framework.MessageImportance.High : Microsoft.Build.Framework.MessageImportance.Low;
                    Log.LogMessage(importance, "BilateralNeuro: " + path + ": " + (outcome == ElfPatchOutcome.Patched
                        ? "marked libstdc++ versions this system lacks as weak (GCC 12 compatibility fix)"
                        : outcome == ElfPatchOutcome.AlreadyPatched ? "already patched" : "no patch needed"));
                }
                catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogWarning("BilateralNeuro: could not patch " + path + ": " + e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
