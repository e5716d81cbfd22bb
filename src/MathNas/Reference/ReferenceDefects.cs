using System.Globalization;

namespace MathNas.Reference;

/// <summary>A defect of the reference code (docs/reference-defects.md), with where it is and what the corrected model does.</summary>
public sealed record ReferenceDefect(string Id, string Where, string What, string Fix);

/// <summary>One quantity on one published config: the reference's value (parity) against the corrected model's.</summary>
public sealed record DefectComparison(string Space, string Config, string Device, string Quantity, double Parity, double Corrected);

public static class ReferenceDefects
{
    public static readonly IReadOnlyList<ReferenceDefect> All =
    [
        new("supervit-sign", "predict.py / search.py, SuperViT",
            "diff = value[j] - value[0] is positive for bigger blocks, and predict subtracts it: bigger networks get lower accuracy and lower FLOPs (82.6 - sum, 407 - sum); search prefers choice 0",
            "METHOD.md signs with the chunk-0 base network: acc = A0 + sum diff, FLOPs = F0 + sum diff (A0 = mean of the 9 base measurements, F0 = base FLOPs)"),
        new("bleu-in-latency", "dataprocess.py supertransformer_calculate_difference",
            "the BLEU stop constants [23.46, 25.31, 25.35, 25.92, 26.14] are subtracted from latencies (ms) in column 36; decoder depth then barely changes predicted latency",
            "latency = max-net latency - per-layer savings of present layers - (6 - n) x per-decoder-layer latency (share fitted on HAT's measured networks x max-net latency)"),
        new("nb201-swapped-bases", "search.py vs predict.py, NAS-Bench-201",
            "search.py uses 5711/23834 for fpga and 899/6291 otherwise; predict.py the opposite; HW-NAS-Bench magnitudes agree with predict.py",
            "predict.py's bases everywhere (edgegpu 5711 us / 23834 uJ, fpga 899 / 6291)"),
        new("raspberrypi-string", "search.py supertransformer_search",
            "lat_base = 9200 if device == 'raspberry pi'; the CLI passes 'raspberrypi', so the Raspberry Pi search uses the TitanXP base 274.4",
            "one latency model per device, the same in search and predict (no separate search base)"),
        new("decoder-factor", "search.py supertransformer_search",
            "the latency constraint weighs decoder differences by 1.2 (and its stop indicator x[36+37(n-1)+36] by row n-1's column 36); predict.py uses 1.0 and row n",
            "search and predict share one additive table (factor 1.0; stop = the corrected depth term)"),
    ];

    /// <summary>Parity against corrected on every published config of reference_predictions.csv (plus the search-side latency of the SuperTransformer configs).</summary>
    public static IReadOnlyList<DefectComparison> Compare(ReferenceData data)
    {
        var par = new ReferencePredictor(data, ReferenceMode.Parity);
        var cor = new ReferencePredictor(data, ReferenceMode.Corrected);
        var sheet = ReferenceCsv.Read(Path.Combine(data.Root, "reference_predictions.csv"));
        int cs = sheet.Column("space"), cc = sheet.Column("config"), cd = sheet.Column("device"), ca = sheet.Column("archcode");
        var list = new List<DefectComparison>();
        if (sheet.Rows.Count == 0) throw new MathNasException($"'{sheet.Source}' has a header but no prediction rows");
        for (int r = 0; r < sheet.Rows.Count; r++)
        {
            var row = sheet.Rows[r];
            var space = row[cs];
            if (space == "mobilenetv3") continue; // no defect changes MobileNetV3 predictions
            var code = row[ca].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => ReferenceCsv.ParseInt(s, sheet.Source, r + 2, "archcode")).ToArray();
            var p = par.Predict(space, row[cd], code);
            var c = cor.Predict(space, row[cd], code);
            var cfg = Path.GetFileName(row[cc]);
            if (space == "supervit")
            {
                list.Add(new(space, cfg, "", "accuracy (%)", p.Accuracy, c.Accuracy));
                list.Add(new(space, cfg, "", "FLOPs (M)", p.Cost, c.Cost));
            }
            else
            {
                list.Add(new(space, cfg, row[cd], "latency, predict (ms)", p.Cost, c.Cost));
                list.Add(new(space, cfg, row[cd], "latency, search's constraint row (ms)", par.SuperTransformerSearchLatency(row[cd], code), c.Cost));
            }
        }
        int[] allConv = [3, 3, 3, 3, 3, 3];
        foreach (var dev in ReferenceData.Nb201Devices)
            list.Add(new("nasbench201", "all nor_conv_3x3", dev, "latency, search.py (us)", par.Nb201SearchLatency(dev, allConv), cor.PredictNb201(dev, allConv).Cost));
        return list;
    }
}
