namespace MathNas.Reference;

/// <summary>
/// Parity: reproduce the reference project's <c>predict.py</c> exactly, defects included.
/// Corrected: the same tables with the named defects fixed (docs/reference-defects.md). Corrected is the default.
/// </summary>
public enum ReferenceMode { Corrected, Parity }

/// <summary>A prediction of the reference models: accuracy (or BLEU), the space's cost (latency, or FLOPs for SuperViT), and energy where the space has it.</summary>
public sealed record ReferencePrediction(double Accuracy, double Cost, string CostKind, double? Energy = null);

/// <summary>
/// The formula constants of the reference code (MathNAS <c>predict.py</c>, <c>search.py</c>, <c>dataprocess.py</c>),
/// as the data README (section 1) documents them. These are constants of the published method, not data values.
/// </summary>
public static class ReferenceConstants
{
    public const double Nb201AccBase = 40.78;
    // predict.py: edgegpu 5711 / 23834, otherwise (fpga) 899 / 6291
    public const double Nb201EdgeGpuLatBase = 5711, Nb201EdgeGpuEngBase = 23834;
    public const double Nb201FpgaLatBase = 899, Nb201FpgaEngBase = 6291;

    public const double MobileNetV3AccBase = 79.23;

    public const double SuperVitAccBase = 82.6;
    public const double SuperVitFlopsBase = 407;
    public static readonly int[] SuperVitChoices = [2, 8, 36, 24, 24, 63, 24, 12, 2];
    public const int SuperVitChunk = 195;

    public const double SuperTransformerAccBase = 26.61;
    /// <summary>dataprocess.py: BLEU of the network whose decoder stops before layer i (index 0 unused = 0).</summary>
    public static readonly double[] SuperTransformerStopBleu = [0, 23.46, 25.31, 25.35, 25.92, 26.14];
    /// <summary>search.py latency base: 9200 if device == 'raspberry pi' else 407.2 if 'xeon' else 274.4.</summary>
    public const double StSearchBaseRaspberryPi = 9200, StSearchBaseXeon = 407.2, StSearchBaseOther = 274.4;
    /// <summary>search.py multiplies the decoder latency differences by 1.2 (predict.py does not).</summary>
    public const double StSearchDecoderFactor = 1.2;
}

/// <summary>The reference project's prediction formulas for its four spaces, in parity or corrected form.</summary>
public sealed class ReferencePredictor
{
    public ReferencePredictor(ReferenceData data, ReferenceMode mode = ReferenceMode.Corrected, StDepthLatency? depthLatency = null)
    {
        Data = data;
        Mode = mode;
        _depth = depthLatency;
        VitAccDiff = SuperVitDifference(data.VitAcc);
        VitFlopsDiff = SuperVitDifference(data.VitFlops);
        StAccDiff = SuperTransformerDifference(data.StAcc);
        StLatDiff = data.StLat.ToDictionary(kv => kv.Key, kv => SuperTransformerDifference(kv.Value));
    }

    public ReferenceData Data { get; }
    public ReferenceMode Mode { get; }
    private StDepthLatency? _depth;

    /// <summary>supervit_calculate_difference on chunk 0: diff[node][j] = value[node][j] - value[node][0].</summary>
    public double[][] VitAccDiff { get; }
    public double[][] VitFlopsDiff { get; }
    /// <summary>supertransformer_calculate_difference: 12 x 37.</summary>
    public double[][] StAccDiff { get; }
    public IReadOnlyDictionary<string, double[][]> StLatDiff { get; }

    public static readonly string[] Spaces = ["nasbench201", "mobilenetv3", "supervit", "supertransformer"];

    public ReferencePrediction Predict(string space, string device, IReadOnlyList<int> code) => space switch
    {
        "nasbench201" => PredictNb201(device, code),
        "mobilenetv3" => PredictMobileNetV3(device, code),
        "supervit" => PredictSuperVit(code),
        "supertransformer" => PredictSuperTransformer(device, code),
        _ => throw new MathNasException($"the reference project has no space '{space}' (it has {string.Join(", ", Spaces)})"),
    };

    private static void CheckCode(IReadOnlyList<int> code, int[] counts, string space)
    {
        if (code.Count != counts.Length) throw new MathNasException($"{space} code has {code.Count} values, expected {counts.Length}");
        for (int i = 0; i < counts.Length; i++)
            if (code[i] < 0 || code[i] >= counts[i]) throw new MathNasException($"{space} code position {i}: {code[i]} is not in 0..{counts[i] - 1}");
    }

    private static double Sum(double[][] table, IReadOnlyList<int> code)
    {
        double s = 0;
        for (int i = 0; i < code.Count; i++) s += table[i][code[i]];
        return s;
    }

    // ---------------- NAS-Bench-201 ----------------

    public static void CheckNb201Device(string device)
    {
        if (!ReferenceData.Nb201Devices.Contains(device))
            throw new MathNasException($"the reference NAS-Bench-201 tables are for devices {string.Join(", ", ReferenceData.Nb201Devices)}, not '{device}'");
    }

    /// <summary>predict.py's bases: edgegpu 5711 / 23834, otherwise 899 / 6291 (used by both modes: they match the magnitudes).</summary>
    public static (double Lat, double Eng) Nb201PredictBases(string device) =>
        device == "edgegpu" ? (ReferenceConstants.Nb201EdgeGpuLatBase, ReferenceConstants.Nb201EdgeGpuEngBase)
                            : (ReferenceConstants.Nb201FpgaLatBase, ReferenceConstants.Nb201FpgaEngBase);

    /// <summary>search.py's bases: the opposite test (5711 if device == 'fpga' else 899; the same for energy). Defect "nb201-swapped-bases".</summary>
    public static (double Lat, double Eng) Nb201SearchBases(string device) =>
        device == "fpga" ? (ReferenceConstants.Nb201EdgeGpuLatBase, ReferenceConstants.Nb201EdgeGpuEngBase)
                         : (ReferenceConstants.Nb201FpgaLatBase, ReferenceConstants.Nb201FpgaEngBase);

    public ReferencePrediction PredictNb201(string device, IReadOnlyList<int> code)
    {
        CheckNb201Device(device);
        CheckCode(code, [5, 5, 5, 5, 5, 5], "nasbench201");
        var (lb, eb) = Nb201PredictBases(device);
        return new ReferencePrediction(
            ReferenceConstants.Nb201AccBase - Sum(Data.Nb201Acc, code),
            lb - Sum(Data.Nb201Lat[device], code), "latency",
            eb - Sum(Data.Nb201Eng[device], code));
    }

    /// <summary>search.py's latency of a network (its swapped base).</summary>
    public double Nb201SearchLatency(string device, IReadOnlyList<int> code)
    {
        CheckNb201Device(device);
        CheckCode(code, [5, 5, 5, 5, 5, 5], "nasbench201");
        return Nb201SearchBases(device).Lat - Sum(Data.Nb201Lat[device], code);
    }

    // ---------------- MobileNetV3 ----------------

    public static void CheckMobileNetV3Device(string device)
    {
        if (!ReferenceData.MobileNetV3Devices.Contains(device))
            throw new MathNasException($"the reference MobileNetV3 tables are for devices {string.Join(", ", ReferenceData.MobileNetV3Devices)}, not '{device}'");
    }

    public double[][] MobileNetV3AccTable(string device) => device == "tx2gpu" ? Data.MbAccGpu : Data.MbAccCpu;

    /// <summary>acc = 79.23 - sum blockacc (gpu table for tx2gpu, cpu otherwise); lat = sum of absolute block latencies.</summary>
    public ReferencePrediction PredictMobileNetV3(string device, IReadOnlyList<int> code)
    {
        CheckMobileNetV3Device(device);
        CheckCode(code, [5, 5, 5, 5, 5], "mobilenetv3");
        return new ReferencePrediction(ReferenceConstants.MobileNetV3AccBase - Sum(MobileNetV3AccTable(device), code),
            Sum(Data.MbLat[device], code), "latency");
    }

    // ---------------- SuperViT ----------------

    public static int SuperVitOffset(int node) => ReferenceConstants.SuperVitChoices.Take(node).Sum();

    private static double[][] SuperVitDifference(double[] raw)
    {
        var c = ReferenceConstants.SuperVitChoices;
        var d = new double[c.Length][];
        for (int n = 0; n < c.Length; n++)
        {
            int off = SuperVitOffset(n);
            d[n] = new double[c[n]];
            for (int j = 0; j < c[n]; j++) d[n][j] = raw[off + j] - raw[off];
        }
        return d;
    }

    /// <summary>Base network of chunk 0 (choice 0 at every node): its accuracy (mean of the 9 measurements of it) and FLOPs.</summary>
    public (double Acc, double Flops) SuperVitChunk0Base()
    {
        var c = ReferenceConstants.SuperVitChoices;
        double a = 0, f = 0;
        for (int n = 0; n < c.Length; n++) { a += Data.VitAcc[SuperVitOffset(n)]; f += Data.VitFlops[SuperVitOffset(n)]; }
        return (a / c.Length, f / c.Length);
    }

    /// <summary>
    /// Parity: acc = 82.6 - sum accdiff, flops = 407 - sum flopsdiff (bigger blocks have positive diffs, so bigger
    /// networks are predicted *worse and smaller*: defect "supervit-sign"). Corrected: METHOD.md signs with the chunk-0
    /// base network: acc = A0 + sum accdiff, flops = F0 + sum flopsdiff.
    /// </summary>
    public ReferencePrediction PredictSuperVit(IReadOnlyList<int> code)
    {
        CheckCode(code, ReferenceConstants.SuperVitChoices, "supervit");
        double sa = Sum(VitAccDiff, code), sf = Sum(VitFlopsDiff, code);
        if (Mode == ReferenceMode.Parity)
            return new ReferencePrediction(ReferenceConstants.SuperVitAccBase - sa, ReferenceConstants.SuperVitFlopsBase - sf, "flops");
        var (a0, f0) = SuperVitChunk0Base();
        return new ReferencePrediction(a0 + sa, f0 + sf, "flops");
    }

    // ---------------- SuperTransformer ----------------

    /// <summary>
    /// supertransformer_calculate_difference: rows 0-5 encoder, enc[i][j] = v[i][5] - v[i][j] (columns 6..36 edge-padded = 0);
    /// rows 6-11 decoder, dec[i][j] = v[i][35] - v[i][j], column 36 = v[i][35] - stopBleu[i]. Applied to BLEU and (defect) latency alike.
    /// </summary>
    public static double[][] SuperTransformerDifference(double[] raw, double[]? stop = null)
    {
        stop ??= ReferenceConstants.SuperTransformerStopBleu;
        var m = new double[12][];
        for (int i = 0; i < 6; i++)
        {
            m[i] = new double[37];
            for (int j = 0; j < 6; j++) m[i][j] = raw[i * 6 + 5] - raw[i * 6 + j];
            for (int j = 6; j < 37; j++) m[i][j] = m[i][5];
        }
        for (int i = 0; i < 6; i++)
        {
            m[6 + i] = new double[37];
            int off = 36 + i * 36;
            for (int j = 0; j < 36; j++) m[6 + i][j] = raw[off + 35] - raw[off + j];
            m[6 + i][36] = raw[off + 35] - stop[i];
        }
        return m;
    }

    /// <summary>Checks a reference SuperTransformer code: 6 encoder codes 0..5, 1..6 decoder codes 0..35, then 36 iff fewer than 6 decoder layers.</summary>
    public static int SuperTransformerDecoderLayers(IReadOnlyList<int> code)
    {
        if (code.Count < 8 || code.Count > 12) throw new MathNasException($"supertransformer code has {code.Count} values, expected 6 encoder + 1..6 decoder codes (+ trailing 36)");
        for (int i = 0; i < 6; i++)
            if (code[i] < 0 || code[i] > 5) throw new MathNasException($"supertransformer code position {i} (encoder): {code[i]} is not in 0..5");
        int n = code[^1] == 36 ? code.Count - 7 : code.Count - 6;
        if (code[^1] != 36 && n != 6) throw new MathNasException("supertransformer code with fewer than 6 decoder layers must end with 36");
        if (n < 1) throw new MathNasException("supertransformer code needs at least one decoder layer");
        for (int i = 6; i < 6 + n; i++)
            if (code[i] < 0 || code[i] > 35) throw new MathNasException($"supertransformer code position {i} (decoder): {code[i]} is not in 0..35");
        return n;
    }

    public static void CheckSuperTransformerDevice(string device)
    {
        if (!ReferenceData.SuperTransformerDevices.Contains(device))
            throw new MathNasException($"the reference SuperTransformer tables are for devices {string.Join(", ", ReferenceData.SuperTransformerDevices)}, not '{device}'");
    }

    /// <summary>
    /// Parity (predict.py): acc = 26.61 - sum_k accdiff[k][code[k]] (k over the whole code, trailing 36 included);
    /// lat = latdiff[len-1][36] - sum_{k &lt; len-1} latdiff[k][code[k]], with the BLEU constants inside latdiff.
    /// Corrected: the same accuracy; latency = L(max net) - sum over every present layer of its latency saving
    /// - (6 - n) x the per-decoder-layer latency of the device (from HAT's measured networks, <see cref="StDepthLatency"/>).
    /// </summary>
    public ReferencePrediction PredictSuperTransformer(string device, IReadOnlyList<int> code)
    {
        CheckSuperTransformerDevice(device);
        int n = SuperTransformerDecoderLayers(code);
        double sa = 0;
        for (int k = 0; k < code.Count; k++) sa += StAccDiff[k][code[k]];
        double acc = ReferenceConstants.SuperTransformerAccBase - sa;
        if (Mode == ReferenceMode.Parity)
        {
            var ld = StLatDiff[device];
            double sl = 0;
            for (int k = 0; k < code.Count - 1; k++) sl += ld[k][code[k]];
            return new ReferencePrediction(acc, ld[code.Count - 1][36] - sl, "latency");
        }
        return new ReferencePrediction(acc, CorrectedStLatency(device, code, n), "latency");
    }

    /// <summary>The latency of the SuperTransformer max network: mean of the 12 measurements of it (each row's base column).</summary>
    public double SuperTransformerMaxLatency(string device)
    {
        var raw = Data.StLat[device];
        double s = 0;
        for (int i = 0; i < 6; i++) s += raw[i * 6 + 5];
        for (int i = 0; i < 6; i++) s += raw[36 + i * 36 + 35];
        return s / 12;
    }

    private double CorrectedStLatency(string device, IReadOnlyList<int> code, int n)
    {
        _depth ??= StDepthLatency.Fit();
        var raw = Data.StLat[device];
        double lat = SuperTransformerMaxLatency(device);
        for (int i = 0; i < 6; i++) lat -= raw[i * 6 + 5] - raw[i * 6 + code[i]];
        for (int i = 0; i < n; i++) lat -= raw[36 + i * 36 + 35] - raw[36 + i * 36 + code[6 + i]];
        return lat - (6 - n) * _depth.PerLayer(device);
    }

    /// <summary>
    /// search.py's latency of a network, exactly as its ILP row c12 weighs it: base(device string) - 1.0 * sum(encoder
    /// diffs) - 1.2 * sum(decoder diffs). search.py's decoder variables are x[36 + 37 i + j]; a decoder of n &lt; 6 layers
    /// is encoded by x at row n-1, column 36 (constraints c7..c11), so the stop weight is latdiff[6+n-1][36], one row
    /// earlier than predict.py's latdiff[6+n][36].
    /// </summary>
    public double SuperTransformerSearchLatency(string deviceString, IReadOnlyList<int> code, double decoderFactor = ReferenceConstants.StSearchDecoderFactor)
    {
        var device = deviceString == "raspberry pi" ? "raspberrypi" : deviceString;
        CheckSuperTransformerDevice(device);
        var (enc, dec) = SearchSums(StLatDiff[device], code);
        return SuperTransformerSearchBase(deviceString) - 1.0 * enc - decoderFactor * dec;
    }

    /// <summary>search.py's objective for a network: 26.61 - sum(encoder acc diffs) - sum(decoder acc diffs, stop weight of row n-1).</summary>
    public double SuperTransformerSearchAccuracy(IReadOnlyList<int> code)
    {
        var (enc, dec) = SearchSums(StAccDiff, code);
        return ReferenceConstants.SuperTransformerAccBase - enc - dec;
    }

    private static (double Enc, double Dec) SearchSums(double[][] m, IReadOnlyList<int> code)
    {
        int n = SuperTransformerDecoderLayers(code);
        double enc = 0, dec = 0;
        for (int k = 0; k < 6; k++) enc += m[k][code[k]];
        for (int i = 0; i < n; i++) dec += m[6 + i][code[6 + i]];
        if (n < 6) dec += m[6 + n - 1][36];
        return (enc, dec);
    }

    /// <summary>search.py: 9200 if device == 'raspberry pi' else 407.2 if device == 'xeon' else 274.4 (defect "raspberrypi-string": the CLI passes 'raspberrypi').</summary>
    public static double SuperTransformerSearchBase(string deviceString) =>
        deviceString == "raspberry pi" ? ReferenceConstants.StSearchBaseRaspberryPi
        : deviceString == "xeon" ? ReferenceConstants.StSearchBaseXeon
        : ReferenceConstants.StSearchBaseOther;
}

/// <summary>Static parity API: <c>ReferenceParity.Predict(space, device, code)</c> reproduces reference_predictions.csv.</summary>
public static class ReferenceParity
{
    /// <summary>predict.py's (accuracy, cost) for a reference code; cost = latency, or FLOPs (M) for supervit.</summary>
    public static (double Accuracy, double Cost) Predict(string space, string device, IReadOnlyList<int> code)
    {
        var p = new ReferencePredictor(ReferenceData.Load(), ReferenceMode.Parity).Predict(space, device, code);
        return (p.Accuracy, p.Cost);
    }

    /// <summary>
    /// The largest |ours - reference| over the pairs; NaN as soon as one pair has a NaN or infinite value (unlike
    /// <see cref="Enumerable.Max(IEnumerable{double})"/>, which skips NaN), so that a comparison against a tolerance fails.
    /// </summary>
    public static double MaxAbsDiff(IEnumerable<(double Ours, double Reference)> pairs)
    {
        double max = 0;
        foreach (var (a, b) in pairs)
        {
            double d = Math.Abs(a - b);
            if (!double.IsFinite(a) || !double.IsFinite(b) || double.IsNaN(d)) return double.NaN;
            if (d > max) max = d;
        }
        return max;
    }
}
