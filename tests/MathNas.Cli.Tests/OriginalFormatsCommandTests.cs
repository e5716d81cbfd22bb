using System.Globalization;
using System.Text.Json;
using MathNas.Data;
using MathNas.Spaces;
using MathNas.Spaces.SuperTransformer;
using MathNas.Tests.Support;

namespace MathNas.Cli.Tests;

/// <summary>Issue 13 through the tool: --format on config and search, HAT-readable --out, parity from files, pasted output, SuperViT's exact count.</summary>
public sealed class OriginalFormatsCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mathnas-formats-" + Guid.NewGuid().ToString("N"));

    public OriginalFormatsCommandTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static string? Results(params string[] parts)
    {
        var d = DataLocator.Find();
        var p = d is null ? null : Path.Combine([d, "mathnas-reference", "results", .. parts]);
        return p is not null && (File.Exists(p) || Directory.Exists(p)) ? p : null;
    }

    private static int[] Code(JsonElement json) => json.GetProperty("code").EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Fact]
    public void ConfigOut_SuperTransformer_IsWhatHatsLoaderReads_AndMathNasLayoutIsAnOption()
    {
        var st = SuperTransformerSpace.Create();
        var a = st.Sample(new Random(21));
        var c = st.Decode(a);
        var hat = Path.Combine(_dir, "hat.yml");
        var r = CliRunner.Run("config", "--space", "supertransformer", "--arch", a.ToString(), "--out", hat);
        Assert.True(r.ExitCode == 0, r.Err);
        var items = ConfigArgParseRules.Parse(File.ReadAllText(hat)); // '#' header lines are comments there too
        Assert.Equal(10, items.Count);
        Assert.Equal(c.Encoder.Select(x => x.Ffn), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEncoderFfn));
        Assert.Equal(c.Decoder.Select(x => x.ArbitraryEndeAttn), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyArbitrary));
        Assert.Equal([c.DecoderLayerCount], ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyDecoderLayers));

        var mathnas = Path.Combine(_dir, "mathnas.yml");
        var m = CliRunner.Run("config", "--space", "supertransformer", "--arch", a.ToString(), "--format", "mathnas", "--out", mathnas, "--json");
        Assert.True(m.ExitCode == 0, m.Err);
        Assert.Equal("mathnas", m.Json.GetProperty("layout").GetString());
        var body = string.Concat(File.ReadAllLines(mathnas).Where(l => !l.StartsWith('#')).Select(l => l + "\n"));
        Assert.Equal(st.WriteConfig(a, SuperTransformerSpace.FormatMathNas), body);
        Assert.Equal(a, SuperTransformerSpace.Encode(SubTransformerConfig.Load(mathnas)));

        var bad = CliRunner.Run("config", "--space", "supertransformer", "--arch", a.ToString(), "--format", "json", "--out", Path.Combine(_dir, "x.yml"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("hat, mathnas", bad.Err);
        Assert.Single(bad.Err.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, "x.yml")));
    }

    [SkippableFact]
    public void SearchOut_SuperTransformer_WritesHatsLayout()
    {
        Skip.If(Results() is null, "shared data not found (mathnas-reference); test skipped");
        var tables = Path.Combine(_dir, "st.json");
        var ex = CliRunner.Run("reference", "export", "--space", "supertransformer", "--device", "xeon", "--out", tables);
        Assert.True(ex.ExitCode == 0, ex.Err);
        var cfg = Path.Combine(_dir, "best.yml");
        var s = CliRunner.Run("search", "--space", "supertransformer", "--tables", tables, "--max", "latency:xeon=272", "--out", cfg, "--json");
        Assert.True(s.ExitCode == 0, s.Err);
        var a = new Architecture(Code(s.Json));
        var c = SuperTransformerSpace.Create().Decode(a);
        var items = ConfigArgParseRules.Parse(File.ReadAllText(cfg));
        Assert.Equal(c.Decoder.Select(x => x.Ffn), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyDecoderFfn));
        Assert.Equal(c.Encoder.Select(x => x.Heads), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEncoderHeads));
        var sorted = Path.Combine(_dir, "sorted.yml");
        var s2 = CliRunner.Run("search", "--space", "supertransformer", "--tables", tables, "--max", "latency:xeon=272", "--out", sorted, "--format", "mathnas");
        Assert.True(s2.ExitCode == 0, s2.Err);
        Assert.Contains("- 3072", File.ReadAllText(sorted));
        var noOut = CliRunner.Run("search", "--space", "supertransformer", "--tables", tables, "--max", "latency:xeon=272", "--format", "mathnas");
        Assert.Equal(2, noOut.ExitCode);
        Assert.Contains("--out", noOut.Err);
    }

    [SkippableFact]
    public void W12CandidateView_ExportSearchAndConfig_WithTheW12Counts()
    {
        Skip.If(Results("mobilenetv3") is null, "shared data not found (mathnas-reference); test skipped");
        var t = Path.Combine(_dir, "mb.json");
        var ex = CliRunner.Run("reference", "export", "--space", "mobilenetv3-blocks-cpu-w1.2", "--device", "tx2cpu", "--out", t);
        Assert.True(ex.ExitCode == 0, ex.Err);
        var cfg = Path.Combine(_dir, "mb.yml");
        var s = CliRunner.Run("search", "--space", "mobilenetv3-blocks-cpu-w1.2", "--tables", t, "--max", "latency:tx2cpu=550", "--out", cfg, "--json");
        Assert.True(s.ExitCode == 0, s.Err);
        var w10 = CliRunner.Run("search", "--space", "mobilenetv3-blocks-cpu", "--tables", t, "--max", "latency:tx2cpu=550", "--json");
        Assert.Equal(2, w10.ExitCode); // tables are for the space they were exported for
        var c = CliRunner.Run("config", "--space", "mobilenetv3-blocks-cpu-w1.2", "--arch", cfg, "--json");
        Assert.True(c.ExitCode == 0, c.Err);
        Assert.Equal(Code(s.Json), Code(c.Json));
        var mb4 = CliRunner.Run("config", "--space", "mobilenetv3-blocks-cpu-w1.2", "--arch", Results("mobilenetv3", "MathNAS-MB4.yml")!, "--json");
        Assert.Equal(669.4, Math.Round(mb4.Json.GetProperty("flops").GetDouble(), 1));
    }

    [Fact]
    public void Nb201_MathNasFormat_IsWrittenAndReadBack_AndOfaJsonHasNoComments()
    {
        var f = Path.Combine(_dir, "nb.yml");
        var w = CliRunner.Run("config", "--space", "nasbench201", "--arch", "3,2,1,3,0,4", "--format", "mathnas", "--out", f);
        Assert.True(w.ExitCode == 0, w.Err);
        var body = string.Concat(File.ReadAllLines(f).Where(l => !l.StartsWith('#')).Select(l => l + "\n"));
        Assert.Equal(File.ReadAllText(CliRunner.RepoFile("examples", "configs", "nb201-mathnas.yml")), body);
        var r = CliRunner.Run("config", "--space", "nasbench201", "--arch", CliRunner.RepoFile("examples", "configs", "nb201-mathnas.yml"), "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal([3, 2, 1, 3, 0, 4], Code(r.Json));

        var j = Path.Combine(_dir, "ofa.json");
        var o = CliRunner.Run("config", "--space", "mobilenetv3-w1.2-r192", "--arch", CliRunner.RepoFile("examples", "configs", "ofa-mbv3-arch.json"), "--format", "ofa", "--out", j);
        Assert.True(o.ExitCode == 0, o.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(j)); // plain JSON, as OFA's tools load it
        Assert.Equal(192, doc.RootElement.GetProperty("r")[0].GetInt32());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("wid").ValueKind);
        var wrong = CliRunner.Run("config", "--space", "mobilenetv3", "--arch", j);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("mobilenetv3-r192", wrong.Err);
    }

    [SkippableFact]
    public void ParityFromFiles_EveryPublishedConfigGivesItsReferenceVector()
    {
        var d = DataLocator.Find();
        var csv = d is null ? null : Path.Combine(d, "mathnas-reference", "reference_predictions.csv");
        Skip.If(csv is null || !File.Exists(csv), "shared data not found (mathnas-reference/reference_predictions.csv); test skipped");
        int n = 0;
        foreach (var line in File.ReadAllLines(csv!).Skip(1).Where(l => l.Contains(",results/")))
        {
            var f = line.Split(',');
            var path = Path.Combine(d!, "mathnas-reference", f[1]);
            var r = CliRunner.Run("predict", "--space", f[0], "--parity", "reference", "--device", f[2], "--arch", path, "--json");
            Assert.True(r.ExitCode == 0, $"{line}: {r.Err}");
            Assert.Equal(f[3], string.Join(" ", Code(r.Json)));
            var pred = r.Json.GetProperty("predicted");
            Assert.True(Math.Abs(pred.GetProperty("accuracy").GetDouble() - double.Parse(f[4], CultureInfo.InvariantCulture)) <= 1e-9, line);
            Assert.True(Math.Abs(pred.GetProperty("cost").GetDouble() - double.Parse(f[6], CultureInfo.InvariantCulture)) <= 1e-9, line);
            n++;
        }
        Assert.Equal(26, n);
        // NAS-Bench-201 in MathNAS's own format: the same as the code
        var byFile = CliRunner.Run("predict", "--space", "nasbench201", "--parity", "reference", "--device", "fpga", "--arch", CliRunner.RepoFile("examples", "configs", "nb201-mathnas.yml"), "--json");
        var byCode = CliRunner.Run("predict", "--space", "nasbench201", "--parity", "reference", "--device", "fpga", "--arch", "3,2,1,3,0,4", "--json");
        Assert.True(byFile.ExitCode == 0, byFile.Err);
        Assert.Equal(byCode.Json.GetProperty("predicted").GetRawText(), byFile.Json.GetProperty("predicted").GetRawText());
        var missing = CliRunner.Run("predict", "--space", "supervit", "--parity", "reference", "--arch", Path.Combine(_dir, "none.yml"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Err);
    }

    [Fact]
    public void PastedOutput_TheIssuesOfaMiniLineAndEveryRegisteredSpacesPrintedForm()
    {
        var p = CliRunner.Run("predict", "--space", "ofa-mini", "--arch", "stage1=d4_k7_e4 stage2=d3_k7_e6 stage3=d2_k5_e4", "--json");
        Assert.True(p.ExitCode == 0, p.Err);
        Assert.Equal("stage1=d4_k7_e4 stage2=d3_k7_e6 stage3=d2_k5_e4", p.Json.GetProperty("architecture").GetString());
        // the tool's registry (Torch spaces included): print -> parse -> same code, as --arch parses it
        Assert.Equal(0, CliRunner.Run("spaces", "--json").ExitCode);
        int n = 0;
        foreach (var (name, _) in SpaceRegistry.List())
        {
            SearchSpace sp;
            try { sp = CliEnv.ResolveSpace(name); }
            catch (MathNasException e) when (e.Message.Contains("unavailable")) { continue; }
            var rng = new Random(8);
            for (int i = 0; i < 10; i++)
            {
                var a = i == 0 ? sp.BaseArchitecture : sp.Sample(rng);
                Assert.Equal(a, sp.ParseArchitecture(sp.Describe(a)));
            }
            n++;
        }
        Assert.Contains(SpaceRegistry.List(), s => s.Name == "ofa-mini");
        Assert.Contains(SpaceRegistry.List(), s => s.Name == "nb201-mini");
        Assert.True(n >= 14, $"{n} spaces");
        // and a search's printed architecture goes straight back into predict
        var s = CliRunner.Run("search", "--space", "ofa-mini", "--max", "latency:cpu=1.0", "--json");
        Assert.True(s.ExitCode == 0, s.Err);
        var back = CliRunner.Run("predict", "--space", "ofa-mini", "--arch", s.Json.GetProperty("architecture").GetString()!, "--json");
        Assert.True(back.ExitCode == 0, back.Err);
        Assert.Equal(Code(s.Json), Code(back.Json));
    }

    [SkippableFact]
    public void SuperVit_ConfigAndPredictShowTheExactCount_AndTheBlockSumAsThePrediction()
    {
        var t2 = Results("supervit", "MathNAS-T2.yml");
        Skip.If(t2 is null, "shared data not found (mathnas-reference/results/supervit); test skipped");
        var c = CliRunner.Run("config", "--space", "supervit", "--arch", t2!, "--json");
        Assert.True(c.ExitCode == 0, c.Err);
        var exact = c.Json.GetProperty("exact");
        Assert.Equal(325.6, Math.Round(exact.GetProperty("flops").GetDouble(), 1));
        Assert.Equal(325.6, Math.Round(c.Json.GetProperty("flops").GetDouble(), 1));
        Assert.Equal(325.0, Math.Round(exact.GetProperty("model_flops").GetDouble(), 1));
        Assert.Equal(9.3, Math.Round(exact.GetProperty("params").GetDouble(), 1)); // NASViT's profiler, the paper's 9.3 M
        var text = CliRunner.Run("config", "--space", "supervit", "--arch", t2!);
        Assert.Contains("FLOPs 325.5693 MFLOPs (exact count); the additive block model predicts 325.0033", text.Out);
        // predict with the reference's tables (accuracy and flops): the exact count first, the block sum labelled as the model's
        var tables = Path.Combine(_dir, "vit.json");
        Assert.Equal(0, CliRunner.Run("reference", "export", "--space", "supervit", "--out", tables).ExitCode);
        var p = CliRunner.Run("predict", "--space", "supervit", "--tables", tables, "--arch", t2!);
        Assert.True(p.ExitCode == 0, p.Err);
        Assert.Contains("(exact count)", p.Out);
        Assert.Contains("flops (additive block model)", p.Out);
        var pj = CliRunner.Run("predict", "--space", "supervit", "--tables", tables, "--arch", t2!, "--json");
        Assert.Equal(325.6, Math.Round(pj.Json.GetProperty("exact").GetProperty("flops").GetDouble(), 1));
    }
}
