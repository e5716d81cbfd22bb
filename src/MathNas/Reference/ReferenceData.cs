using MathNas.Data;
using MathNas.Spaces.MobileNetV3;

namespace MathNas.Reference;

/// <summary>Where the reference tables are read from: the original torch files, or their CSV copies.</summary>
public enum ReferenceSource { Pt, Csv }

/// <summary>
/// The reference project's (MathNAS, github.com/wangqinsi1/MathNAS) published block tables, read from
/// <c>mathnas-reference/</c> under the data folder (data README section 1). Nothing here is embedded in code:
/// every number comes from the files at run time.
/// </summary>
public sealed class ReferenceData
{
    public const string Folder = "mathnas-reference";
    public static readonly string[] Nb201Devices = ["edgegpu", "fpga"];
    public static readonly string[] MobileNetV3Devices = ["raspberrypi", "tx2cpu", "tx2gpu"];
    public static readonly string[] SuperTransformerDevices = ["raspberrypi", "xeon", "titanxp"];

    /// <summary>The 16 torch tables, relative to mathnas-reference/pt.</summary>
    public static readonly string[] PtFiles =
    [
        "nasbench201/blockacc.pt", "nasbench201/blocklat_edgegpu.pt", "nasbench201/blocklat_fpga.pt",
        "nasbench201/blockeng_edgegpu.pt", "nasbench201/blockeng_fpga.pt",
        "mobilenetv3/blockacc_cpu.pt", "mobilenetv3/blockacc_gpu.pt", "mobilenetv3/blocklat_raspberrypi.pt",
        "mobilenetv3/blocklat_tx2cpu.pt", "mobilenetv3/blocklat_tx2gpu.pt",
        "supervit/blockacc.pt", "supervit/blockflops.pt",
        "supertransformer/blockacc.pt", "supertransformer/blocklat_raspberrypi.pt",
        "supertransformer/blocklat_xeon.pt", "supertransformer/blocklat_titanxp.pt",
    ];

    public required string Root { get; init; }
    public required ReferenceSource Source { get; init; }

    // NAS-Bench-201: 6 edges x 5 ops
    public required double[][] Nb201Acc { get; init; }
    public required IReadOnlyDictionary<string, double[][]> Nb201Lat { get; init; }
    public required IReadOnlyDictionary<string, double[][]> Nb201Eng { get; init; }

    // MobileNetV3: 5 stages x 5 candidates
    public required double[][] MbAccCpu { get; init; }
    public required double[][] MbAccGpu { get; init; }
    public required IReadOnlyDictionary<string, double[][]> MbLat { get; init; }
    public required IReadOnlyList<IReadOnlyList<OfaStageConfig>> BlocksCpu { get; init; }
    public required IReadOnlyList<IReadOnlyList<OfaStageConfig>> BlocksGpu { get; init; }

    // SuperViT: 780 = 4 chunks x 195
    public required double[] VitAcc { get; init; }
    public required double[] VitFlops { get; init; }

    // SuperTransformer: 257 BLEU values, 252 latencies per device
    public required double[] StAcc { get; init; }
    public required IReadOnlyDictionary<string, double[]> StLat { get; init; }

    /// <summary>The mathnas-reference folder under the data folder, or null when it is absent.</summary>
    public static string? FindRoot(string? dataDir = null)
    {
        var d = dataDir ?? DataLocator.Find();
        if (d is null) return null;
        var r = Path.Combine(d, Folder);
        return Directory.Exists(r) ? r : null;
    }

    public static string RequireRoot(string? dataDir = null) =>
        FindRoot(dataDir) ?? throw new MathNasException(
            $"the reference project's tables ({Folder}/ under the data folder) were not found: set MATHNAS_DATA to the shared data folder");

    private static readonly object CacheLock = new();
    private static readonly Dictionary<(string, ReferenceSource), ReferenceData> Cache = new();

    /// <summary>Loads (once per folder and source) every reference table.</summary>
    public static ReferenceData Load(string? dataDir = null, ReferenceSource source = ReferenceSource.Pt)
    {
        var root = RequireRoot(dataDir);
        lock (CacheLock)
        {
            if (Cache.TryGetValue((root, source), out var c)) return c;
            var d = source == ReferenceSource.Pt ? LoadPt(root) : LoadCsv(root);
            Cache[(root, source)] = d;
            return d;
        }
    }

    private static double[][] Matrix(TorchTensor t, int rows, int cols, string what)
    {
        if (t.Shape.Length != 2 || t.Shape[0] != rows || t.Shape[1] != cols)
            throw new MathNasException($"reference table {what} has shape [{string.Join(",", t.Shape)}], expected [{rows},{cols}]");
        return Finite(t, what).ToMatrix();
    }

    /// <summary>A table with a NaN or an infinity would make every prediction through it NaN: refused on reading.</summary>
    private static TorchTensor Finite(TorchTensor t, string what)
    {
        for (int i = 0; i < t.Data.Length; i++)
            if (!double.IsFinite(t.Data[i]))
                throw new MathNasException($"reference table {what}: element {i} is {t.Data[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}, not a finite number");
        return t;
    }

    private static double[] Vector(TorchTensor t, int n, string what)
    {
        if (t.Shape.Length != 1 || t.Shape[0] != n)
            throw new MathNasException($"reference table {what} has shape [{string.Join(",", t.Shape)}], expected [{n}]");
        return Finite(t, what).Data;
    }

    private static ReferenceData LoadPt(string root)
    {
        TorchTensor T(string rel) => TorchPtReader.Read(Path.Combine(root, "pt", rel));
        return new ReferenceData
        {
            Root = root,
            Source = ReferenceSource.Pt,
            Nb201Acc = Matrix(T("nasbench201/blockacc.pt"), 6, 5, "nasbench201/blockacc"),
            Nb201Lat = Nb201Devices.ToDictionary(d => d, d => Matrix(T($"nasbench201/blocklat_{d}.pt"), 6, 5, $"nasbench201/blocklat_{d}")),
            Nb201Eng = Nb201Devices.ToDictionary(d => d, d => Matrix(T($"nasbench201/blockeng_{d}.pt"), 6, 5, $"nasbench201/blockeng_{d}")),
            MbAccCpu = Matrix(T("mobilenetv3/blockacc_cpu.pt"), 5, 5, "mobilenetv3/blockacc_cpu"),
            MbAccGpu = Matrix(T("mobilenetv3/blockacc_gpu.pt"), 5, 5, "mobilenetv3/blockacc_gpu"),
            MbLat = MobileNetV3Devices.ToDictionary(d => d, d => Matrix(T($"mobilenetv3/blocklat_{d}.pt"), 5, 5, $"mobilenetv3/blocklat_{d}")),
            BlocksCpu = LoadBlocks(Path.Combine(root, "mobilenetv3", "blocks_cpu.csv")),
            BlocksGpu = LoadBlocks(Path.Combine(root, "mobilenetv3", "blocks_gpu.csv")),
            VitAcc = Vector(T("supervit/blockacc.pt"), 780, "supervit/blockacc"),
            VitFlops = Vector(T("supervit/blockflops.pt"), 780, "supervit/blockflops"),
            StAcc = Vector(T("supertransformer/blockacc.pt"), 257, "supertransformer/blockacc"),
            StLat = SuperTransformerDevices.ToDictionary(d => d, d => Vector(T($"supertransformer/blocklat_{d}.pt"), 252, $"supertransformer/blocklat_{d}")),
        };
    }

    private static ReferenceData LoadCsv(string root)
    {
        string P(params string[] rel) => Path.Combine([root, .. rel]);
        var vit = ReferenceCsv.Read(P("supervit", "blocktable_raw.csv"));
        var stAcc = ReferenceCsv.Read(P("supertransformer", "blockacc_raw.csv"));
        var stLat = ReferenceCsv.Read(P("supertransformer", "blocklat_raw.csv"));
        return new ReferenceData
        {
            Root = root,
            Source = ReferenceSource.Csv,
            Nb201Acc = ReferenceCsv.ReadLabelledMatrix(P("nasbench201", "blockacc.csv"), 6, 5),
            Nb201Lat = Nb201Devices.ToDictionary(d => d, d => ReferenceCsv.ReadLabelledMatrix(P("nasbench201", $"blocklat_{d}.csv"), 6, 5)),
            Nb201Eng = Nb201Devices.ToDictionary(d => d, d => ReferenceCsv.ReadLabelledMatrix(P("nasbench201", $"blockeng_{d}.csv"), 6, 5)),
            MbAccCpu = ReferenceCsv.ReadLabelledMatrix(P("mobilenetv3", "blockacc_cpu.csv"), 5, 5),
            MbAccGpu = ReferenceCsv.ReadLabelledMatrix(P("mobilenetv3", "blockacc_gpu.csv"), 5, 5),
            MbLat = MobileNetV3Devices.ToDictionary(d => d, d => ReferenceCsv.ReadLabelledMatrix(P("mobilenetv3", $"blocklat_{d}.csv"), 5, 5)),
            BlocksCpu = LoadBlocks(P("mobilenetv3", "blocks_cpu.csv")),
            BlocksGpu = LoadBlocks(P("mobilenetv3", "blocks_gpu.csv")),
            VitAcc = FlatColumn(vit, "acc_top1", 780),
            VitFlops = FlatColumn(vit, "flops_M", 780),
            StAcc = FlatColumn(stAcc, "bleu", 257),
            StLat = SuperTransformerDevices.ToDictionary(d => d, d => FlatColumn(stLat, $"lat_{d}", 252)),
        };
    }

    /// <summary>A value column of a raw table, placed by its flat_index column (every index exactly once).</summary>
    private static double[] FlatColumn(ReferenceCsv.Sheet s, string column, int n)
    {
        int fi = s.Column("flat_index"), vc = s.Column(column);
        if (s.Rows.Count != n) throw new MathNasException($"CSV '{s.Source}' has {s.Rows.Count} rows, expected {n}");
        var v = new double[n];
        var seen = new bool[n];
        for (int r = 0; r < n; r++)
        {
            int i = s.Integer(r, fi);
            if (i < 0 || i >= n || seen[i]) throw new MathNasException($"CSV '{s.Source}' line {r + 2}: flat_index {i} is out of range or repeated");
            seen[i] = true;
            v[i] = s.Number(r, vc);
        }
        return v;
    }

    /// <summary>Reads blocks_cpu.csv / blocks_gpu.csv: stage,choice,d,e1..e4,ks1..ks4 (25 rows, 5 stages x 5 candidates).</summary>
    public static IReadOnlyList<IReadOnlyList<OfaStageConfig>> LoadBlocks(string path)
    {
        var s = ReferenceCsv.Read(path);
        var res = new OfaStageConfig?[5, 5];
        int cs = s.Column("stage"), cc = s.Column("choice"), cd = s.Column("d");
        var ce = Enumerable.Range(1, 4).Select(i => s.Column($"e{i}")).ToArray();
        var ck = Enumerable.Range(1, 4).Select(i => s.Column($"ks{i}")).ToArray();
        for (int r = 0; r < s.Rows.Count; r++)
        {
            int st = s.Integer(r, cs), ch = s.Integer(r, cc);
            if (st < 1 || st > 5 || ch < 0 || ch > 4) throw new MathNasException($"'{path}' line {r + 2}: stage {st} / choice {ch} out of range");
            if (res[st - 1, ch] is not null) throw new MathNasException($"'{path}' line {r + 2}: stage {st} choice {ch} appears twice");
            var cfg = new OfaStageConfig(s.Integer(r, cd), ce.Select(c => s.Integer(r, c)).ToArray(), ck.Select(c => s.Integer(r, c)).ToArray());
            if (!OfaMbv3.DepthChoices.Contains(cfg.Depth) || cfg.Expand.Any(e => !OfaMbv3.ExpandChoices.Contains(e)) || cfg.Kernel.Any(k => !OfaMbv3.KernelChoices.Contains(k)))
                throw new MathNasException($"'{path}' line {r + 2}: d/e/ks values outside the OFA MobileNetV3 space");
            res[st - 1, ch] = cfg;
        }
        var list = new List<IReadOnlyList<OfaStageConfig>>();
        for (int st = 0; st < 5; st++)
        {
            var row = new List<OfaStageConfig>();
            for (int ch = 0; ch < 5; ch++) row.Add(res[st, ch] ?? throw new MathNasException($"'{path}': stage {st + 1} choice {ch} is missing"));
            list.Add(row);
        }
        return list;
    }

    /// <summary>The candidate blocks of a device: blocks_gpu for tx2gpu, blocks_cpu otherwise (as the reference does).</summary>
    public IReadOnlyList<IReadOnlyList<OfaStageConfig>> MobileNetV3Blocks(string device) => device == "tx2gpu" ? BlocksGpu : BlocksCpu;
}
