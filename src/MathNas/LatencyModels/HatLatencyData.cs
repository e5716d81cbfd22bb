using System.Globalization;
using MathNas.Spaces.SuperTransformer;

namespace MathNas.LatencyModels;

/// <summary>
/// One measured SubTransformer of HAT's latency dataset (data README section 4): per-network averages of the
/// layer choices over the active layers (arbitrary attention mapped -1/1/2 to 1/2/3 = attended encoder layers)
/// and the mean encoder and decoder latency in ms.
/// </summary>
public sealed record HatLatencyRow(
    int EncoderEmbed, int EncoderLayers, double EncoderFfnAvg, double EncoderHeadsAvg,
    int DecoderEmbed, int DecoderLayers, double DecoderFfnAvg, double DecoderSelfHeadsAvg, double DecoderEndeHeadsAvg,
    double DecoderArbitraryAvg, double LatencyEncoder, double LatencyDecoder, double StdEncoder, double StdDecoder)
{
    /// <summary>Encoder + decoder latency (ms): the quantity HAT's predictor and MathNAS's table model.</summary>
    public double Latency => LatencyEncoder + LatencyDecoder;
}

/// <summary>Reads HAT's <c>wmt14ende_&lt;cpu|gpu&gt;_&lt;device&gt;_all.csv</c> latency datasets.</summary>
public static class HatLatencyData
{
    private static readonly string[] Header =
    [
        "encoder_embed_dim", "encoder_layer_num", "encoder_ffn_embed_dim_avg", "encoder_self_attention_heads_avg",
        "decoder_embed_dim", "decoder_layer_num", "decoder_ffn_embed_dim_avg", "decoder_self_attention_heads_avg",
        "decoder_ende_attention_heads_avg", "decoder_arbitrary_ende_attn_avg",
        "latency_mean_encoder", "latency_mean_decoder", "latency_std_encoder", "latency_std_decoder",
    ];

    /// <summary>The devices with a dataset in <paramref name="dir"/> (e.g. raspberrypi, titanxp, xeon).</summary>
    public static IReadOnlyList<string> Devices(string dir)
    {
        if (!Directory.Exists(dir)) throw new MathNasException($"latency data folder '{dir}' does not exist");
        return Directory.GetFiles(dir, "wmt14ende_*_*_all.csv").Select(f => DeviceOf(Path.GetFileName(f))).Where(d => d is not null)
            .Select(d => d!).Order(StringComparer.Ordinal).ToList();
    }

    private static string? DeviceOf(string fileName)
    {
        // wmt14ende_cpu_raspberrypi_all.csv -> raspberrypi
        var parts = fileName[..^".csv".Length].Split('_');
        return parts.Length == 4 && parts[0] == "wmt14ende" && parts[3] == "all" ? parts[2] : null;
    }

    /// <summary>The dataset file of a device in <paramref name="dir"/>, or a clear error listing the devices present.</summary>
    public static string FileFor(string dir, string device)
    {
        if (!Directory.Exists(dir)) throw new MathNasException($"latency data folder '{dir}' does not exist");
        var match = Directory.GetFiles(dir, "wmt14ende_*_*_all.csv").FirstOrDefault(f => DeviceOf(Path.GetFileName(f)) == device);
        if (match is null)
        {
            var have = Devices(dir);
            throw new MathNasException($"no HAT latency dataset for device '{device}' in '{dir}' (devices there: {(have.Count == 0 ? "none" : string.Join(", ", have))})");
        }
        return match;
    }

    /// <summary>Largest dataset file read (bytes); HAT's have about 2,000 rows (~0.5 MB).</summary>
    public const long MaxFileBytes = 64L << 20;

    public static IReadOnlyList<HatLatencyRow> Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"latency dataset '{path}' does not exist");
        var len = new FileInfo(path).Length;
        if (len > MaxFileBytes) throw new MathNasException($"latency dataset '{path}' is too large: {len:N0} bytes (at most {MaxFileBytes:N0})");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Parses a dataset: the exact header, 14 finite numbers a row, and every value within the SuperTransformer space
    /// (embedding dims, layer counts, FFN dims, heads and arbitrary attention inside their choices' range; positive
    /// latencies; non-negative deviations). A file whose rows all describe the same network is refused: no latency model
    /// can be fitted on it.
    /// </summary>
    public static IReadOnlyList<HatLatencyRow> Parse(string text, string path = "<csv>")
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines.Length == 0 || lines.All(string.IsNullOrWhiteSpace)) throw new MathNasException($"latency dataset '{path}' is empty");
        var head = lines[0].Split(',').Select(s => s.Trim()).ToArray();
        if (!head.SequenceEqual(Header))
            throw new MathNasException($"latency dataset '{path}': unexpected header (expected {string.Join(",", Header)})");
        var rows = new List<HatLatencyRow>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            string At(string m) => $"latency dataset '{path}' line {i + 1}: {m}";
            var f = lines[i].Split(',');
            if (f.Length != Header.Length) throw new MathNasException(At($"{f.Length} fields, expected {Header.Length}"));
            var v = new double[f.Length];
            for (int k = 0; k < f.Length; k++)
            {
                if (!double.TryParse(f[k], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
                    throw new MathNasException(At($"'{TextSafety.Escape(f[k].Length > 40 ? f[k][..40] + "..." : f[k])}' in column '{Header[k]}' is not a number, or not a finite one"));
            }
            int I(int k) => v[k] == Math.Round(v[k]) && Math.Abs(v[k]) <= int.MaxValue ? (int)v[k] : throw new MathNasException(At($"column '{Header[k]}' must be an integer"));
            var row = new HatLatencyRow(I(0), I(1), v[2], v[3], I(4), I(5), v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
            Check(row, At);
            rows.Add(row);
        }
        if (rows.Count == 0) throw new MathNasException($"latency dataset '{path}' has no rows");
        var distinct = rows.Select(r => r with { LatencyEncoder = 0, LatencyDecoder = 0, StdEncoder = 0, StdDecoder = 0 }).Distinct().Count();
        if (distinct < 2)
            throw new MathNasException($"latency dataset '{path}': all {rows.Count} rows describe the same network; a latency model needs measured networks that differ");
        return rows;
    }

    private static void Check(HatLatencyRow r, Func<string, string> at)
    {
        var emb = SubTransformerConfig.EmbedChoices;
        if (!emb.Contains(r.EncoderEmbed) || !emb.Contains(r.DecoderEmbed))
            throw new MathNasException(at($"embedding dims {r.EncoderEmbed}/{r.DecoderEmbed} are not choices of the space ({string.Join(", ", emb)})"));
        if (r.EncoderLayers < 1 || r.EncoderLayers > SubTransformerConfig.EncoderLayerCount || r.DecoderLayers < 1 || r.DecoderLayers > SubTransformerConfig.MaxDecoderLayers)
            throw new MathNasException(at($"layer counts {r.EncoderLayers}/{r.DecoderLayers} are out of range (encoder 1..{SubTransformerConfig.EncoderLayerCount}, decoder 1..{SubTransformerConfig.MaxDecoderLayers})"));
        void Avg(double x, int[] choices, string what)
        {
            if (x < choices.Min() || x > choices.Max())
                throw new MathNasException(at($"{what} {x.ToString(CultureInfo.InvariantCulture)} is outside the space's range {choices.Min()}..{choices.Max()}"));
        }
        Avg(r.EncoderFfnAvg, SubTransformerConfig.FfnChoices, "encoder FFN dim (average)");
        Avg(r.DecoderFfnAvg, SubTransformerConfig.FfnChoices, "decoder FFN dim (average)");
        Avg(r.EncoderHeadsAvg, SubTransformerConfig.HeadChoices, "encoder heads (average)");
        Avg(r.DecoderSelfHeadsAvg, SubTransformerConfig.HeadChoices, "decoder self-attention heads (average)");
        Avg(r.DecoderEndeHeadsAvg, SubTransformerConfig.HeadChoices, "decoder encoder-attention heads (average)");
        Avg(r.DecoderArbitraryAvg, [1, 2, 3], "decoder arbitrary attention (average, 1..3)");
        if (r.LatencyEncoder <= 0 || r.LatencyDecoder <= 0)
            throw new MathNasException(at("latencies must be positive"));
        if (r.StdEncoder < 0 || r.StdDecoder < 0)
            throw new MathNasException(at("latency deviations must not be negative"));
        if (!double.IsFinite(r.Latency))
            throw new MathNasException(at("the latencies' sum is not a finite number"));
    }
}
