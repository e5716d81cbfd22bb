using MathNas.Data;

namespace MathNas.Reference;

/// <summary>
/// The share of a SuperTransformer's latency that one decoder layer costs, per device, fitted from HAT's measured
/// SubTransformers (hat-latency/*.csv, data README section 4): a least-squares line of total latency
/// (encoder + decoder) against decoder_layer_num over the networks with embedding 512 (the MathNAS sub-space),
/// then share = slope / fitted latency at 6 layers. The reference tables have no measurement of a shorter decoder,
/// so the corrected model takes the depth effect from here: per-layer latency = share x the reference max-net latency.
/// </summary>
public sealed class StDepthLatency
{
    public static readonly IReadOnlyDictionary<string, string> Files = new Dictionary<string, string>
    {
        ["raspberrypi"] = "wmt14ende_cpu_raspberrypi_all.csv",
        ["xeon"] = "wmt14ende_cpu_xeon_all.csv",
        ["titanxp"] = "wmt14ende_gpu_titanxp_all.csv",
    };

    private readonly Dictionary<string, (double Share, int N)> _share;
    private readonly Func<string, double> _maxLatency;

    private StDepthLatency(Dictionary<string, (double, int)> share, Func<string, double> maxLatency)
    {
        _share = share;
        _maxLatency = maxLatency;
    }

    /// <summary>Fraction of the 6-decoder-layer network's latency one decoder layer costs on the device.</summary>
    public double Share(string device) => _share.TryGetValue(device, out var s) ? s.Share
        : throw new MathNasException($"no HAT latency dataset for device '{device}'");

    public int Networks(string device) => _share[device].N;

    /// <summary>Latency of one decoder layer in the reference table's units: share x reference max-net latency.</summary>
    public double PerLayer(string device) => Share(device) * _maxLatency(device);

    public static StDepthLatency Fit(string? dataDir = null, ReferenceData? data = null)
    {
        var root = dataDir ?? DataLocator.Require();
        var folder = Path.Combine(root, "hat-latency");
        if (!Directory.Exists(folder))
            throw new MathNasException($"the corrected SuperTransformer latency model needs HAT's measured networks ({folder}), which are missing; use --mode parity");
        var share = new Dictionary<string, (double, int)>();
        foreach (var (device, file) in Files)
        {
            var s = ReferenceCsv.Read(Path.Combine(folder, file));
            int ce = s.Column("encoder_embed_dim"), cd = s.Column("decoder_embed_dim"), cn = s.Column("decoder_layer_num");
            int le = s.Column("latency_mean_encoder"), ld = s.Column("latency_mean_decoder");
            var xs = new List<double>();
            var ys = new List<double>();
            for (int r = 0; r < s.Rows.Count; r++)
            {
                if (s.Number(r, ce) != 512 || s.Number(r, cd) != 512) continue;
                xs.Add(s.Number(r, cn));
                ys.Add(s.Number(r, le) + s.Number(r, ld));
            }
            if (xs.Count < 10 || xs.Distinct().Count() < 2)
                throw new MathNasException($"'{file}' has too few embed-512 networks with different decoder depths to fit a per-layer latency");
            double mx = xs.Average(), my = ys.Average();
            double sxy = 0, sxx = 0;
            for (int i = 0; i < xs.Count; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) * (xs[i] - mx); }
            double slope = sxy / sxx, intercept = my - slope * mx;
            double at6 = intercept + 6 * slope;
            if (!(slope > 0) || !(at6 > 0)) throw new MathNasException($"'{file}': fitted per-layer decoder latency is not positive");
            share[device] = (slope / at6, xs.Count);
        }
        data ??= ReferenceData.Load(dataDir);
        var pred = new ReferencePredictor(data, ReferenceMode.Parity);
        return new StDepthLatency(share, pred.SuperTransformerMaxLatency);
    }
}
