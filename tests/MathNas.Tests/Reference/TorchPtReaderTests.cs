using System.IO.Compression;
using MathNas.Reference;
using MathNas.Tests.Support;

namespace MathNas.Tests.Reference;

public class TorchPtReaderTests
{
    private static string Root => TestData.Require("mathnas-reference");

    [SkippableFact]
    public void ReadsAllSixteenTables_WithTheExpectedShapesAndStorages()
    {
        var root = Root;
        Assert.Equal(16, ReferenceData.PtFiles.Length);
        var onDisk = Directory.GetFiles(Path.Combine(root, "pt"), "*.pt", SearchOption.AllDirectories);
        Assert.Equal(16, onDisk.Length);
        foreach (var rel in ReferenceData.PtFiles)
        {
            var t = TorchPtReader.Read(Path.Combine(root, "pt", rel));
            Assert.True(t.Count > 0, rel);
            Assert.All(t.Data, v => Assert.True(double.IsFinite(v), rel));
            var expected = rel.StartsWith("mobilenetv3") ? "FloatStorage" : "DoubleStorage";
            Assert.Equal(expected, t.StorageType);
        }
        Assert.Equal([6, 5], TorchPtReader.Read(Path.Combine(root, "pt/nasbench201/blockacc.pt")).Shape);
        Assert.Equal([5, 5], TorchPtReader.Read(Path.Combine(root, "pt/mobilenetv3/blocklat_tx2gpu.pt")).Shape);
        Assert.Equal([780], TorchPtReader.Read(Path.Combine(root, "pt/supervit/blockacc.pt")).Shape);
        Assert.Equal([257], TorchPtReader.Read(Path.Combine(root, "pt/supertransformer/blockacc.pt")).Shape);
        Assert.Equal([252], TorchPtReader.Read(Path.Combine(root, "pt/supertransformer/blocklat_xeon.pt")).Shape);
    }

    [SkippableFact]
    public void PtAndCsvCopiesAgreeExactly()
    {
        var dir = Path.GetDirectoryName(Root)!;
        var pt = ReferenceData.Load(dir, ReferenceSource.Pt);
        var csv = ReferenceData.Load(dir, ReferenceSource.Csv);
        static void Same(double[][] a, double[][] b)
        {
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]); // exact equality, element by element
        }
        Same(pt.Nb201Acc, csv.Nb201Acc);
        foreach (var d in ReferenceData.Nb201Devices) { Same(pt.Nb201Lat[d], csv.Nb201Lat[d]); Same(pt.Nb201Eng[d], csv.Nb201Eng[d]); }
        Same(pt.MbAccCpu, csv.MbAccCpu);
        Same(pt.MbAccGpu, csv.MbAccGpu);
        foreach (var d in ReferenceData.MobileNetV3Devices) Same(pt.MbLat[d], csv.MbLat[d]);
        Assert.Equal(pt.VitAcc, csv.VitAcc);
        Assert.Equal(pt.VitFlops, csv.VitFlops);
        Assert.Equal(pt.StAcc, csv.StAcc);
        foreach (var d in ReferenceData.SuperTransformerDevices) Assert.Equal(pt.StLat[d], csv.StLat[d]);
        // float32 tables widen exactly: every MobileNetV3 value is a float32
        Assert.All(pt.MbLat["tx2gpu"].SelectMany(r => r), v => Assert.Equal(v, (double)(float)v));
    }

    [SkippableFact]
    public void RowMajorOrder_MatchesTheCsvLabels()
    {
        // the .pt matrix row i is the CSV line i (stage / edge order), so stride handling is right for rank 2
        var root = Root;
        var t = TorchPtReader.Read(Path.Combine(root, "pt/mobilenetv3/blockacc_gpu.pt"));
        var sheet = ReferenceCsv.Read(Path.Combine(root, "mobilenetv3/blockacc_gpu.csv"));
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                Assert.Equal(sheet.Number(i, j + 1), t[i, j]);
    }

    [Fact]
    public void EmptyFile_IsAClearError()
    {
        var e = Assert.Throws<MathNasException>(() => TorchPtReader.Read([], "empty.pt"));
        Assert.Contains("empty", e.Message);
    }

    [SkippableFact]
    public void TruncatedZip_IsAClearError()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Root, "pt/supervit/blockacc.pt"));
        foreach (var n in new[] { 10, bytes.Length / 2, bytes.Length - 30 })
        {
            var e = Assert.Throws<MathNasException>(() => TorchPtReader.Read(bytes[..n], "cut.pt"));
            Assert.Contains("cut.pt", e.Message);
        }
    }

    private static byte[] Zip(params (string Name, byte[] Data)[] entries) => Reliability.FuzzCorpus.Zip(entries);

    [Fact]
    public void WrongPickle_IsAClearError()
    {
        var garbage = Zip(("archive/data.pkl", [0x80, 0x02, 0xff, 0x00]), ("archive/version", "3\n"u8.ToArray()));
        var e = Assert.Throws<MathNasException>(() => TorchPtReader.Read(garbage, "bad.pt"));
        Assert.Contains("pickle", e.Message);

        // a valid pickle that is not a tensor: the int 7 (PROTO 2, BININT1 7, STOP)
        var notTensor = Zip(("archive/data.pkl", [0x80, 0x02, (byte)'K', 7, (byte)'.']));
        e = Assert.Throws<MathNasException>(() => TorchPtReader.Read(notTensor, "int.pt"));
        Assert.Contains("not a single tensor", e.Message);

        var noPickle = Zip(("archive/version", "3\n"u8.ToArray()));
        Assert.Throws<MathNasException>(() => TorchPtReader.Read(noPickle, "nopkl.pt"));
    }

    [SkippableFact]
    public void MissingOrShortStorage_IsAClearError()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Root, "pt/nasbench201/blockacc.pt"));
        using var src = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        byte[] Entry(string n) { using var s = src.GetEntry(n)!.Open(); using var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); }
        var pkl = Entry("archive/data.pkl");
        var data = Entry("archive/data/0");
        var missing = Zip(("archive/data.pkl", pkl));
        Assert.Contains("missing", Assert.Throws<MathNasException>(() => TorchPtReader.Read(missing, "m.pt")).Message);
        var shortStorage = Zip(("archive/data.pkl", pkl), ("archive/data/0", data[..^8]));
        Assert.Contains("bytes", Assert.Throws<MathNasException>(() => TorchPtReader.Read(shortStorage, "s.pt")).Message);
        // the intact copy reads back to the same values as the file
        var ok = TorchPtReader.Read(Zip(("archive/data.pkl", pkl), ("archive/data/0", data)), "ok.pt");
        Assert.Equal(TorchPtReader.Read(Path.Combine(Root, "pt/nasbench201/blockacc.pt")).Data, ok.Data);
    }

    [Fact]
    public void StridesAndOffset_AreApplied()
    {
        // A hand-built pickle: _rebuild_tensor_v2(storage(Long, 6 values), offset 1, size (2,2), stride (1,2)) = transpose view.
        var pkl = new List<byte> { 0x80, 0x02 };
        void Global(string m, string n) { pkl.Add((byte)'c'); pkl.AddRange(System.Text.Encoding.ASCII.GetBytes(m + "\n" + n + "\n")); }
        void Str(string s) { var b = System.Text.Encoding.UTF8.GetBytes(s); pkl.Add((byte)'X'); pkl.AddRange(BitConverter.GetBytes(b.Length)); pkl.AddRange(b); }
        void Int(int v) { pkl.Add((byte)'K'); pkl.Add((byte)v); }
        Global("torch._utils", "_rebuild_tensor_v2");
        pkl.Add((byte)'(');
        pkl.Add((byte)'(');
        Str("storage"); Global("torch", "LongStorage"); Str("0"); Str("cpu"); Int(6);
        pkl.Add((byte)'t');
        pkl.Add((byte)'Q');
        Int(1);
        Int(2); Int(2); pkl.Add(0x86);
        Int(1); Int(2); pkl.Add(0x86);
        pkl.Add(0x89);
        Global("collections", "OrderedDict"); pkl.Add((byte)')'); pkl.Add((byte)'R');
        pkl.Add((byte)'t');
        pkl.Add((byte)'R');
        pkl.Add((byte)'.');
        var storage = new byte[48];
        for (int i = 0; i < 6; i++) BitConverter.GetBytes((long)(10 * i)).CopyTo(storage, 8 * i);
        var t = TorchPtReader.Read(Zip(("x/data.pkl", pkl.ToArray()), ("x/data/0", storage)), "hand.pt");
        Assert.Equal("LongStorage", t.StorageType);
        Assert.Equal([2, 2], t.Shape);
        // element (i,j) = storage[1 + i*1 + j*2]
        Assert.Equal([10.0, 30.0, 20.0, 40.0], t.Data);
    }
}
