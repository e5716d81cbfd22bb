using System.Text;
using MathNas.Build;

namespace MathNas.Torch.Tests;

public class ElfWeakVersionTests
{
    /// <summary>A minimal ELF64 LE shared object: one PT_LOAD at vaddr 0x400000 mapping the whole file, a PT_DYNAMIC with
    /// DT_STRTAB, DT_VERNEED, DT_VERNEEDNUM, and a version-needs table: libstdc++.so.6 (GLIBCXX_3.4, GLIBCXX_3.4.32),
    /// libc.so.6 (GLIBC_2.2.5).</summary>
    internal static byte[] Synthetic()
    {
        const ulong vbase = 0x400000;
        var strtab = Encoding.ASCII.GetBytes("\0libstdc++.so.6\0GLIBCXX_3.4\0GLIBCXX_3.4.32\0libc.so.6\0GLIBC_2.2.5\0");
        uint S(string s) => (uint)Encoding.ASCII.GetString(strtab).IndexOf("\0" + s + "\0", StringComparison.Ordinal) + 1;
        int phoff = 64, phnum = 2, dynOff = phoff + 56 * phnum, dynCount = 4, strOff = dynOff + 16 * dynCount, vnOff = strOff + strtab.Length + 8 - strtab.Length % 8;
        int size = vnOff + 16 + 16 * 2 + 16 + 16;
        var b = new byte[size];
        void W16(int o, ushort v) => BitConverter.GetBytes(v).CopyTo(b, o);
        void W32(int o, uint v) => BitConverter.GetBytes(v).CopyTo(b, o);
        void W64(int o, ulong v) => BitConverter.GetBytes(v).CopyTo(b, o);
        b[0] = 0x7f; b[1] = (byte)'E'; b[2] = (byte)'L'; b[3] = (byte)'F'; b[4] = 2; b[5] = 1; b[6] = 1;
        W16(16, 3); W16(18, 62); W32(20, 1); W64(0x20, (ulong)phoff); W16(0x34, 64); W16(0x36, 56); W16(0x38, (ushort)phnum);
        // PT_LOAD
        W32(phoff, 1); W64(phoff + 8, 0); W64(phoff + 16, vbase); W64(phoff + 32, (ulong)size); W64(phoff + 40, (ulong)size);
        // PT_DYNAMIC
        W32(phoff + 56, 2); W64(phoff + 56 + 8, (ulong)dynOff); W64(phoff + 56 + 16, vbase + (ulong)dynOff); W64(phoff + 56 + 32, 16UL * (ulong)dynCount);
        W64(dynOff, 5); W64(dynOff + 8, vbase + (ulong)strOff);
        W64(dynOff + 16, 0x6ffffffe); W64(dynOff + 24, vbase + (ulong)vnOff);
        W64(dynOff + 32, 0x6fffffff); W64(dynOff + 40, 2);
        W64(dynOff + 48, 0); // DT_NULL
        strtab.CopyTo(b, strOff);
        // Verneed 1: libstdc++.so.6, 2 aux, aux at +16, next at +48
        int v1 = vnOff;
        W16(v1, 1); W16(v1 + 2, 2); W32(v1 + 4, S("libstdc++.so.6")); W32(v1 + 8, 16); W32(v1 + 12, 48);
        W32(v1 + 16 + 4 - 4, 0x0297cf2); W16(v1 + 16 + 4, 0); W16(v1 + 16 + 6, 2); W32(v1 + 16 + 8, S("GLIBCXX_3.4")); W32(v1 + 16 + 12, 16);
        W16(v1 + 32 + 4, 0); W16(v1 + 32 + 6, 3); W32(v1 + 32 + 8, S("GLIBCXX_3.4.32")); W32(v1 + 32 + 12, 0);
        // Verneed 2: libc.so.6, 1 aux
        int v2 = v1 + 48;
        W16(v2, 1); W16(v2 + 2, 1); W32(v2 + 4, S("libc.so.6")); W32(v2 + 8, 16); W32(v2 + 12, 0);
        W16(v2 + 16 + 4, 0); W16(v2 + 16 + 6, 4); W32(v2 + 16 + 8, S("GLIBC_2.2.5")); W32(v2 + 16 + 12, 0);
        return b;
    }

    [Fact]
    public void ReadsEveryVersionNeedOfASyntheticElf()
    {
        var needs = ElfWeakVersion.ReadVersionNeeds(Synthetic());
        Assert.Equal(["libstdc++.so.6:GLIBCXX_3.4", "libstdc++.so.6:GLIBCXX_3.4.32", "libc.so.6:GLIBC_2.2.5"], needs.Select(n => $"{n.File}:{n.Version}"));
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void MarksOnlyTheMissingVersionWeakAndChangesNothingElse()
    {
        var orig = Synthetic();
        var elf = (byte[])orig.Clone();
        var changed = ElfWeakVersion.MarkWeak(elf, "libstdc++.so.6", ["GLIBCXX_3.4.32", "GLIBC_2.2.5"]);
        Assert.Equal(["GLIBCXX_3.4.32"], changed); // GLIBC_2.2.5 is needed from libc, not libstdc++
        var diff = Enumerable.Range(0, elf.Length).Where(i => elf[i] != orig[i]).ToList();
        Assert.Single(diff);
        var needs = ElfWeakVersion.ReadVersionNeeds(elf);
        Assert.Equal([false, true, false], needs.Select(n => n.IsWeak));
        Assert.Empty(ElfWeakVersion.MarkWeak(elf, "libstdc++.so.6", ["GLIBCXX_3.4.32"])); // idempotent
    }

    [Fact]
    public void PatchesOnlyWhenTheSystemLibraryLacksTheVersion()
    {
        var dir = Directory.CreateTempSubdirectory("elfpatch").FullName;
        try
        {
            var target = Path.Combine(dir, "lib.so");
            File.WriteAllBytes(target, Synthetic());
            var oldSys = Path.Combine(dir, "old-libstdc++.so.6");
            File.WriteAllBytes(oldSys, Encoding.ASCII.GetBytes("junk\0GLIBCXX_3.4\0GLIBCXX_3.4.30\0GLIBCXX_3.4.3\0more"));
            var newSys = Path.Combine(dir, "new-libstdc++.so.6");
            File.WriteAllBytes(newSys, Encoding.ASCII.GetBytes("junk\0GLIBCXX_3.4\0GLIBCXX_3.4.32\0more"));

            var msg = ElfWeakVersion.PatchForSystem(target, "libstdc++.so.6", newSys);
            Assert.Contains("unchanged", msg);
            Assert.Equal(Synthetic(), File.ReadAllBytes(target));

            msg = ElfWeakVersion.PatchForSystem(target, "libstdc++.so.6", oldSys);
            Assert.Contains("GLIBCXX_3.4.32", msg);
            Assert.Equal([false, true, false], ElfWeakVersion.ReadVersionNeeds(File.ReadAllBytes(target)).Select(n => n.IsWeak));
            Assert.Contains("already weak", ElfWeakVersion.PatchForSystem(target, "libstdc++.so.6", oldSys));
            Assert.Contains("not found", ElfWeakVersion.PatchForSystem(target, "libstdc++.so.6", Path.Combine(dir, "absent")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RejectsFilesThatAreNotElf64LittleEndianOrAreTruncated()
    {
        Assert.Throws<InvalidDataException>(() => ElfWeakVersion.ReadVersionNeeds(Encoding.ASCII.GetBytes(new string('x', 100))));
        var e32 = Synthetic(); e32[4] = 1;
        Assert.Throws<InvalidDataException>(() => ElfWeakVersion.ReadVersionNeeds(e32));
        var cut = Synthetic()[..200];
        Assert.Throws<InvalidDataException>(() => ElfWeakVersion.ReadVersionNeeds(cut));
    }

    private static string PackageLibrary =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages", "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [SkippableFact]
    public void OnACopyOfTheRealLibraryOnlyTheGlibcxx3432RequirementChanges()
    {
        Skip.IfNot(File.Exists(PackageLibrary), "TorchSharp package not in the NuGet cache");
        var orig = File.ReadAllBytes(PackageLibrary);
        var needs = ElfWeakVersion.ReadVersionNeeds(orig);
        Assert.Contains(needs, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32" && !n.IsWeak);
        var elf = (byte[])orig.Clone();
        Assert.Equal(["GLIBCXX_3.4.32"], ElfWeakVersion.MarkWeak(elf, "libstdc++.so.6", ["GLIBCXX_3.4.32"]));
        Assert.Single(Enumerable.Range(0, elf.Length), i => elf[i] != orig[i]);
    }

    [SkippableFact]
    public void TheBuildStepPatchedTheOutputCopyExactlyWhenTheSystemNeedsIt()
    {
        const string sys = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        var built = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(sys) && File.Exists(built), "no system libstdc++ at the Debian path or no built copy");
        bool systemHas = ElfWeakVersion.LibraryHasVersion(File.ReadAllBytes(sys), "GLIBCXX_3.4.32");
        var need = ElfWeakVersion.ReadVersionNeeds(File.ReadAllBytes(built)).Single(n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal(!systemHas, need.IsWeak);
        if (File.Exists(PackageLibrary)) // the package cache itself is never modified
            Assert.False(ElfWeakVersion.ReadVersionNeeds(File.ReadAllBytes(PackageLibrary)).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
    }
}
