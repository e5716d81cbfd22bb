using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Tables;

namespace MathNas.Reference;

/// <summary>
/// Converts the reference project's tables to our <see cref="TableSet"/> (METHOD.md signs: predicted
/// M = BaseValue - sum Deltas, Deltas[i][base_i] = 0), so that <c>mathnas predict/search</c> can use them.
/// Layouts (node order and block order) follow the data README:
/// <list type="bullet">
/// <item><c>nasbench201</c>: 6 edges e0..e5 x ops (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3), base nor_conv_3x3.</item>
/// <item><c>mobilenetv3-blocks-cpu/-gpu</c>: 5 stages x 5 candidates, base candidate 4 (our space of that name).</item>
/// <item><c>supervit</c>: 9 nodes with 2, 8, 36, 24, 24, 63, 24, 12, 2 choices in utils.supervit_code order, base choice 0.</item>
/// <item><c>supertransformer</c>: 12 nodes: 6 encoder layers x 6 choices (2m+n), then 6 decoder layers x 36 choices
/// (12w+6p+3n+m); decoder layers 2..6 have a 37th block "absent" (absent(i) =&gt; absent(i+1)); base: the max block.</item>
/// </list>
/// </summary>
public static class ReferenceTables
{
    public static readonly string[] Spaces = ["nasbench201", "mobilenetv3-blocks-cpu", "mobilenetv3-blocks-gpu", "supervit", "supervit-192", "supervit-256", "supervit-288", "supertransformer"];

    public static TableSet Export(ReferenceData data, string space, string device, ReferenceMode mode = ReferenceMode.Corrected, StDepthLatency? depth = null)
    {
        var p = new ReferencePredictor(data, mode, depth);
        var prov = new Provenance
        {
            Estimator = "reference",
            Evaluator = $"MathNAS reference tables ({data.Source.ToString().ToLowerInvariant()}), {mode.ToString().ToLowerInvariant()} model",
            Notes = $"converted from {data.Root} by 'mathnas reference export'; see docs/reference-defects.md",
        };
        var set = new TableSet { Space = space };
        switch (space)
        {
            case "nasbench201":
            {
                ReferencePredictor.CheckNb201Device(device);
                var (lb, eb) = ReferencePredictor.Nb201PredictBases(device);
                // F_ref: the FLOPs of the base network (all nor_conv_3x3) of our NAS-Bench-201 space
                var nb = MathNas.Spaces.NasBench201.NasBench201Space.Instance;
                set.Add(WithFlops(Rebase(MetricNames.Accuracy, "%", ReferenceConstants.Nb201AccBase, data.Nb201Acc, Base(6, 3), prov), nb.Flops(nb.BaseArchitecture)));
                set.Add(Rebase(MetricNames.Latency(device), "us", lb, data.Nb201Lat[device], Base(6, 3), prov));
                set.Add(Rebase(MetricNames.Energy(device), "uJ", eb, data.Nb201Eng[device], Base(6, 3), prov));
                break;
            }
            case var candidate when candidate.StartsWith(MobileNetV3Spaces.CandidateCpuName, StringComparison.Ordinal) || candidate.StartsWith(MobileNetV3Spaces.CandidateGpuName, StringComparison.Ordinal):
            {
                // the plain views (w1.0, 224) and their -w1.2 / -rNNN variants: the same measured tables, F_ref and the
                // check against the view of that super-network
                ReferencePredictor.CheckMobileNetV3Device(device);
                bool gpu = space.StartsWith(MobileNetV3Spaces.CandidateGpuName, StringComparison.Ordinal);
                var baseName = gpu ? MobileNetV3Spaces.CandidateGpuName : MobileNetV3Spaces.CandidateCpuName;
                OfaMbv3Net net = OfaMbv3Net.Default;
                if (space != baseName)
                {
                    var suffix = space[baseName.Length..];
                    net = suffix switch
                    {
                        "-w1.2" => new OfaMbv3Net(1.2),
                        _ => (MobileNetV3Spaces.TryResolve(space) as OfaCandidateSpace)?.Net
                             ?? throw new MathNasException($"no reference tables for space '{space}': use one of {string.Join(", ", Spaces)} (or a -w1.2 / -rNNN variant of a MobileNetV3 view)"),
                    };
                }
                if (gpu != (device == "tx2gpu"))
                    throw new MathNasException($"the reference pairs device '{device}' with the {(device == "tx2gpu" ? "GPU" : "CPU")} block set: use space {(device == "tx2gpu" ? MobileNetV3Spaces.CandidateGpuName : MobileNetV3Spaces.CandidateCpuName)}{net.Suffix}");
                var view = new OfaCandidateSpace(space, gpu ? data.BlocksGpu : data.BlocksCpu, "reference", net);
                set.Add(WithFlops(Rebase(MetricNames.Accuracy, "%", ReferenceConstants.MobileNetV3AccBase, p.MobileNetV3AccTable(device), Base(5, 4), prov),
                    view.Flops(view.BaseArchitecture)));
                // absolute latencies: M = sum lat = (sum lat[i][4]) - sum (lat[i][4] - lat[i][j])
                set.Add(Rebase(MetricNames.Latency(device), "ms", 0, Negate(data.MbLat[device]), Base(5, 4), prov));
                set.CheckAgainst(view);
                break;
            }
            case "supervit" or "supervit-192" or "supervit-256" or "supervit-288":
            {
                // The reference's accuracy table is one (chunk 0) for every resolution. "supervit" also carries the
                // reference's FLOPs table (chunk 0); the resolution variants take FLOPs from our own count of that
                // space (which reproduces the reference's blockflops chunk for 192). F_ref (flops-scaled model): the
                // FLOPs of the base network in the space the table is for, so that F_ref / F(N) compares like with like;
                // not set in parity mode (predict.py has only the linear model, and its FLOPs carry the sign defect).
                int[] b = new int[9];
                var vit = MathNas.Spaces.SuperViT.SuperVitSpace.Create(space == "supervit" ? MathNas.Spaces.SuperViT.SuperVitSpace.DefaultResolution : int.Parse(space[9..], System.Globalization.CultureInfo.InvariantCulture));
                if (mode == ReferenceMode.Parity)
                {
                    set.Add(Rebase(MetricNames.Accuracy, "%", ReferenceConstants.SuperVitAccBase, p.VitAccDiff, b, prov));
                    if (space == "supervit") set.Add(Rebase(MetricNames.Flops, "MFLOPs", ReferenceConstants.SuperVitFlopsBase, p.VitFlopsDiff, b, prov));
                }
                else
                {
                    var (a0, f0) = p.SuperVitChunk0Base();
                    set.Add(WithFlops(Rebase(MetricNames.Accuracy, "%", a0, Negate(p.VitAccDiff), b, prov), vit.Flops(vit.BaseArchitecture)));
                    if (space == "supervit") set.Add(Rebase(MetricNames.Flops, "MFLOPs", f0, Negate(p.VitFlopsDiff), b, prov));
                }
                break;
            }
            case "supertransformer":
            {
                ReferencePredictor.CheckSuperTransformerDevice(device);
                // F_ref: the FLOPs of the base network (the max SubTransformer) of our SuperTransformer space
                var st = MathNas.Spaces.SuperTransformer.SuperTransformerSpace.Create();
                set.Add(WithFlops(SuperTransformerAccuracy(p, prov), st.Flops(st.BaseArchitecture)));
                if (mode == ReferenceMode.Parity)
                    throw new MathNasException("the reference SuperTransformer latency formula (predict.py) is not additive over blocks (its base depends on the decoder depth and it skips the last layer of a 6-layer decoder): export it with --mode corrected");
                set.Add(SuperTransformerLatency(p, data, device, depth ?? StDepthLatency.Fit(data: data), prov));
                break;
            }
            default:
                throw new MathNasException($"no reference tables for space '{space}': use one of {string.Join(", ", Spaces)}");
        }
        return set;
    }

    /// <summary>The table with F_ref set (for the flops-scaled accuracy model): the FLOPs of the base network.</summary>
    private static BlockTable WithFlops(BlockTable t, double flops) => new()
    {
        Metric = t.Metric, Unit = t.Unit, BaseValue = t.BaseValue, Deltas = t.Deltas, Provenance = t.Provenance,
        ErrorEstimate = t.ErrorEstimate, ReferenceFlops = flops,
    };

    private static int[] Base(int n, int j) => Enumerable.Repeat(j, n).ToArray();

    private static double[][] Negate(double[][] m) => m.Select(r => r.Select(v => -v).ToArray()).ToArray();

    /// <summary>
    /// A table for M = baseValue - sum raw[i][J_i], re-expressed with base blocks: Deltas[i][j] = raw[i][j] - raw[i][b_i],
    /// BaseValue = baseValue - sum raw[i][b_i]. Predictions are unchanged.
    /// </summary>
    public static BlockTable Rebase(string metric, string unit, double baseValue, double[][] raw, int[] baseIndex, Provenance prov)
    {
        double shift = 0;
        var d = new double[raw.Length][];
        for (int i = 0; i < raw.Length; i++)
        {
            shift += raw[i][baseIndex[i]];
            d[i] = raw[i].Select(v => v - raw[i][baseIndex[i]]).ToArray();
        }
        return new BlockTable { Metric = metric, Unit = unit, BaseValue = baseValue - shift, Deltas = d, Provenance = prov };
    }

    private static BlockTable SuperTransformerAccuracy(ReferencePredictor p, Provenance prov)
    {
        // predict.py: 26.61 - sum over present rows - diff[6+n][36] (decoder stops before layer n).
        // Additive form: absent block of decoder layer i (i = 1..5) carries S_i - S_{i+1}, S_6 = 0, S_n = diff[6+n][36].
        var rows = new double[12][];
        for (int i = 0; i < 6; i++) rows[i] = p.StAccDiff[i][..6];
        for (int i = 0; i < 6; i++)
        {
            var r = p.StAccDiff[6 + i][..36].ToList();
            if (i >= 1) r.Add(p.StAccDiff[6 + i][36] - (i < 5 ? p.StAccDiff[7 + i][36] : 0));
            rows[6 + i] = r.ToArray();
        }
        return Rebase(MetricNames.Accuracy, "BLEU", ReferenceConstants.SuperTransformerAccBase, rows, BaseIndex(), prov);
    }

    private static BlockTable SuperTransformerLatency(ReferencePredictor p, ReferenceData data, string device, StDepthLatency depth, Provenance prov)
    {
        var raw = data.StLat[device];
        var rows = new double[12][];
        for (int i = 0; i < 6; i++) rows[i] = Enumerable.Range(0, 6).Select(j => raw[i * 6 + 5] - raw[i * 6 + j]).ToArray();
        for (int i = 0; i < 6; i++)
        {
            var r = Enumerable.Range(0, 36).Select(j => raw[36 + i * 36 + 35] - raw[36 + i * 36 + j]).ToList();
            if (i >= 1) r.Add(depth.PerLayer(device));
            rows[6 + i] = r.ToArray();
        }
        return Rebase(MetricNames.Latency(device), "ms", p.SuperTransformerMaxLatency(device), rows, BaseIndex(), prov);
    }

    private static int[] BaseIndex() => [5, 5, 5, 5, 5, 5, 35, 35, 35, 35, 35, 35];

    /// <summary>Checks the tables against the registered space of the same name, when one is registered.</summary>
    public static string CheckAgainstRegistered(TableSet set)
    {
        if (!SpaceRegistry.List().Any(s => s.Name == set.Space) && MobileNetV3Spaces.TryResolve(set.Space) is null)
            return $"space '{set.Space}' is not registered in this build: tables written in the reference layout (docs/reference-defects.md)";
        set.CheckAgainst(SpaceRegistry.Resolve(set.Space));
        return $"checked against the registered space '{set.Space}'";
    }
}
