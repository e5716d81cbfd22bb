// Marks symbol-version requirements weak in an ELF64 little-endian shared object.
//
// Why: TorchSharp-cpu 0.107.0 ships libLibTorchSharp.so that requires GLIBCXX_3.4.32 from libstdc++.so.6,
// while Debian 12's libstdc++ provides versions up to GLIBCXX_3.4.30. The only symbol bound to that version is
// std::ios_base_library_init, which no relocation uses, so setting VER_FLG_WEAK (0x2) in the vna_flags of that
// Elf64_Vernaux entry makes the dynamic loader accept the library (glibc only warns about a missing weak version).
//
// This file is compiled twice: as an MSBuild inline task (build/TorchNative.targets, RoslynCodeTaskFactory) that
// patches the copy of the library in each output folder, and into MathNas.Torch.Tests (with
// MATHNAS_NO_MSBUILD_TASK defined) to test the patcher on synthetic ELF files and on a copy of the real library.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MathNas.Build
{
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
        {
            File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset;
        }
        /// <summary>The library the version is needed from (vn_file), e.g. libstdc++.so.6.</summary>
        public string File { get; }
        /// <summary>The version name (vna_name), e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; }
        /// <summary>vna_flags; bit 0x2 = VER_FLG_WEAK.</summary>
        public ushort Flags { get; }
        /// <summary>File offset of vna_flags.</summary>
        public long FlagsOffset { get; }
        public bool IsWeak => (Flags & ElfWeakVersion.VerFlgWeak) != 0;
    }

    public static class ElfWeakVersion
    {
        public const ushort VerFlgWeak = 0x2;
        private const uint PtLoad = 1, PtDynamic = 2;
        private const long DtNull = 0, DtStrtab = 5, DtVerneed = 0x6ffffffe, DtVerneednum = 0x6fffffff;

        /// <summary>Every version requirement (Elf64_Verneed/Elf64_Vernaux) of an ELF64 little-endian file, read
        /// through its dynamic segment the way the loader reads it.</summary>
        public static List<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2) throw new InvalidDataException("not a 64-bit ELF file");
            if (elf[5] != 1) throw new InvalidDataException("not a little-endian ELF file");
            long phoff = (long)U64(elf, 0x20);
            int phentsize = U16(elf, 0x36), phnum = U16(elf, 0x38);
            if (phentsize < 56 || phoff <= 0 || phoff + (long)phentsize * phnum > elf.Length)
                throw new InvalidDataException("ELF program headers are out of the file");
            var loads = new List<(ulong Vaddr, ulong Offset, ulong Size)>();
            long dynOff = -1, dynSize = 0;
            for (int i = 0; i < phnum; i++)
            {
                long p = phoff + (long)i * phentsize;
                uint type = U32(elf, p);
                if (type == PtLoad) loads.Add((U64(elf, p + 16), U64(elf, p + 8), U64(elf, p + 32)));
                else if (type == PtDynamic) { dynOff = (long)U64(elf, p + 8); dynSize = (long)U64(elf, p + 32); }
            }
            var result = new List<ElfVersionNeed>();
            if (dynOff < 0) return result; // static executable: no version needs
            if (dynOff + dynSize > elf.Length) throw new InvalidDataException("ELF dynamic segment is out of the file");
            ulong strtab = 0, verneed = 0; long verneednum = 0;
            for (long d = dynOff; d + 16 <= dynOff + dynSize; d += 16)
            {
                long tag = (long)U64(elf, d);
                ulong val = U64(elf, d + 8);
                if (tag == DtNull) break;
                if (tag == DtStrtab) strtab = val;
                else if (tag == DtVerneed) verneed = val;
                else if (tag == DtVerneednum) verneednum = (long)val;
            }
            if (verneed == 0 || verneednum == 0) return result;
            long strOff = ToOffset(loads, strtab, elf.Length);
            long vn = ToOffset(loads, verneed, elf.Length);
            for (long k = 0; k < verneednum; k++)
            {
                Need(elf, vn, 16);
                int cnt = U16(elf, vn + 2);
                string file = Str(elf, strOff + U32(elf, vn + 4));
                long aux = vn + U32(elf, vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    Need(elf, aux, 16);
                    ushort flags = U16(elf, aux + 4);
                    string name = Str(elf, strOff + U32(elf, aux + 8));
                    result.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                    uint next = U32(elf, aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = U32(elf, vn + 12);
                if (vnNext == 0) break;
                vn += vnNext;
            }
            return result;
        }

        /// <summary>Sets VER_FLG_WEAK on the requirements of <paramref name="fromFile"/> whose version is in
        /// <paramref name="versions"/>; returns the versions it changed (already-weak ones are left as they are).</summary>
        public static List<string> MarkWeak(byte[] elf, string fromFile, ICollection<string> versions)
        {
            var changed = new List<string>();
            foreach (var n in ReadVersionNeeds(elf))
            {
                if (n.File != fromFile || !versions.Contains(n.Version) || n.IsWeak) continue;
                ushort f = (ushort)(n.Flags | VerFlgWeak);
                elf[n.FlagsOffset] = (byte)(f & 0xff);
                elf[n.FlagsOffset + 1] = (byte)(f >> 8);
                changed.Add(n.Version);
            }
            return changed;
        }

        /// <summary>True when the library file defines (contains the NUL-terminated string of) the version name.</summary>
        public static bool LibraryHasVersion(byte[] library, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            // A plain search (this file also compiles against netstandard2.0 as an MSBuild inline task: no spans).
            for (int i = 0; i + needle.Length <= library.Length; i++)
            {
                if (library[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && library[i + k] == needle[k]) k++;
                if (k == needle.Length) return true;
            }
            return false;
        }

        /// <summary>
        /// Patches <paramref name="target"/> in place: every version it needs from <paramref name="fromFile"/> that the
        /// system library at <paramref name="systemLibrary"/> lacks is marked weak. Returns a one-line report.
        /// Writes through a temporary file so a hard link to the package cache is never modified.
        /// </summary>
        public static string PatchForSystem(string target, string fromFile, string systemLibrary)
        {
            if (!System.IO.File.Exists(systemLibrary))
                return $"{systemLibrary} not found: left {Path.GetFileName(target)} unchanged";
            var sys = System.IO.File.ReadAllBytes(systemLibrary);
            var elf = System.IO.File.ReadAllBytes(target);
            var needs = ReadVersionNeeds(elf);
            var missing = new HashSet<string>();
            var alreadyWeak = new List<string>();
            foreach (var n in needs)
            {
                if (n.File != fromFile || LibraryHasVersion(sys, n.Version)) continue;
                if (n.IsWeak) alreadyWeak.Add(n.Version); else missing.Add(n.Version);
            }
            if (missing.Count == 0)
                return alreadyWeak.Count > 0
                    ? $"{Path.GetFileName(target)}: {string.Join(", ", alreadyWeak)} already weak"
                    : $"{Path.GetFileName(target)}: {systemLibrary} has every version it needs; unchanged";
            var changed = MarkWeak(elf, fromFile, missing);
            var tmp = target + ".weak-tmp";
            System.IO.File.WriteAllBytes(tmp, elf);
            System.IO.File.Delete(target);
            System.IO.File.Move(tmp, target);
            return $"{Path.GetFileName(target)}: marked {string.Join(", ", changed)} (from {fromFile}) weak; {systemLibrary} lacks it";
        }

        private static long ToOffset(List<(ulong Vaddr, ulong Offset, ulong Size)> loads, ulong vaddr, int length)
        {
            foreach (var l in loads)
            {
                if (vaddr >= l.Vaddr && vaddr < l.Vaddr + l.Size)
                {
                    long off = (long)(vaddr - l.Vaddr + l.Offset);
                    if (off < 0 || off >= length) break;
                    return off;
                }
            }
            throw new InvalidDataException($"ELF address 0x{vaddr:x} is in no loadable segment of the file");
        }

        private static void Need(byte[] b, long off, int n)
        {
            if (off < 0 || off + n > b.Length) throw new InvalidDataException("ELF version table is out of the file");
        }

        private static string Str(byte[] b, long off)
        {
            Need(b, off, 1);
            long e = off;
            while (e < b.Length && b[e] != 0) e++;
            if (e >= b.Length) throw new InvalidDataException("ELF string is not terminated");
            return Encoding.ASCII.GetString(b, (int)off, (int)(e - off));
        }

        private static ushort U16(byte[] b, long o) { Need(b, o, 2); return (ushort)(b[o] | b[o + 1] << 8); }
        private static uint U32(byte[] b, long o) { Need(b, o, 4); return BitConverter.ToUInt32(b, (int)o); }
        private static ulong U64(byte[] b, long o) { Need(b, o, 8); return BitConverter.ToUInt64(b, (int)o); }
    }

#if !MATHNAS_NO_MSBUILD_TASK
    /// <summary>MSBuild task: marks the versions the system libstdc++ lacks weak in the output copy of a library.</summary>
    public class WeakenMissingElfVersions : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public string Target { get; set; } = "";
        public string FromFile { get; set; } = "libstdc++.so.6";
        public string SystemLibrary { get; set; } = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

        public override bool Execute()
        {
            try
            {
                var msg = ElfWeakVersion.PatchForSystem(Target, FromFile, SystemLibrary);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "TorchSharp native fix: " + msg);
                return true;
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError("TorchSharp native fix: cannot patch {0}: {1}", Target, e.Message);
                return false;
            }
        }
    }
#endif
}
