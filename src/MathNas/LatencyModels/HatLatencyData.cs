using System.Globalization;

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

    public static IReadOnlyList<HatLatencyRow> Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"latency dataset '{path}' does not exist");
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new MathNasException($"latency dataset '{path}' is empty");
        var head = lines[0].Split(',').Select(s => s.Trim()).ToArray();
        if (!head.SequenceEqual(Header))
            throw new MathNasException($"latency dataset '{path}': unexpected header (expected {string.Join(",", Header)})");
        var rows = new List<HatLatencyRow>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var f = lines[i].Split(',');
            if (f.Length != Header.Length) throw new MathNasException($"latency dataset '{path}' line {i + 1}: {f.Length} fields, expected {Header.Length}");
            var v = new double[f.Length];
            for (int k = 0; k < f.Length; k++)
            {
                if (!double.TryParse(f[k], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
                    throw new MathNasException($"latency dataset '{path}' line {i + 1}: '{f[k]}' in column '{Header[k]}' is not a number");
            }
            int I(int k) => v[k] == Math.Round(v[k]) ? (int)v[k] : throw new MathNasException($"latency dataset '{path}' line {i + 1}: column '{Header[k]}' must be an integer");
            var row = new HatLatencyRow(I(0), I(1), v[2], v[3], I(4), I(5), v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
            if (row.DecoderLayers < 1 || row.DecoderLayers > 6 || row.EncoderLayers < 1)
                throw new MathNasException($"latency dataset '{path}' line {i + 1}: layer counts {row.EncoderLayers}/{row.DecoderLayers} are out of range");
            if (row.LatencyEncoder <= 0 || row.LatencyDecoder <= 0)
                throw new MathNasException($"latency dataset '{path}' line {i + 1}: latencies must be positive");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new MathNasException($"latency dataset '{path}' has no rows");
        return rows;
    }
}
