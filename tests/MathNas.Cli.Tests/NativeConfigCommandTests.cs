using MathNas.Data;
using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.SuperTransformer;

namespace MathNas.Cli.Tests;

/// <summary>search --out (native configs) and --repeat, predict --config, mathnas config, and the valid counts of mathnas spaces.</summary>
public sealed class NativeConfigCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mathnas-native-" + Guid.NewGuid().ToString("N"));

    public NativeConfigCommandTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    public static IEnumerable<object[]> Cases() =>
    [
        ["nasbench201", "nasbench201", "fpga", "latency:fpga=1800"],
        ["mobilenetv3-blocks-cpu", "mobilenetv3-blocks-cpu", "tx2cpu", "latency:tx2cpu=550"],
        ["supervit-192", "supervit-192", "", "flops=350"],
        ["supertransformer", "supertransformer", "xeon", "latency:xeon=272"],
    ];

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void SearchWritesTheNativeConfig_WhichPredictAndConfigReadBack(string space, string export, string device, string budget)
    {
        Skip.If(DataLocator.Find() is not { } d || !Directory.Exists(Path.Combine(d, "mathnas-reference")), "shared data not found (mathnas-reference); test skipped");
        var tables = Path.Combine(_dir, "t.json");
        var ex = CliRunner.Run("reference", "export", "--space", export, "--device", device, "--out", tables);
        Assert.True(ex.ExitCode == 0, ex.Err);
        var cfg = Path.Combine(_dir, "best.yml");
        foreach (var model in new[] { "linear", "flops-scaled" })
        {
            var s = CliRunner.Run("search", "--space", space, "--tables", tables, "--max", budget, "--accuracy-model", model, "--repeat", "5", "--out", cfg, "--json");
            Assert.True(s.ExitCode == 0, s.Err);
            Assert.Equal("optimal", s.Json.GetProperty("status").GetString());
            Assert.Equal(5, s.Json.GetProperty("repeats").GetInt32());
            Assert.True(s.Json.GetProperty("solve_ms_median").GetDouble() > 0);
            var code = string.Join(",", s.Json.GetProperty("code").EnumerateArray().Select(x => x.GetInt32()));

            // the file is the native config (original keys only) with '#' comment lines
            var text = File.ReadAllText(cfg);
            Assert.StartsWith("# mathnas search result; space: " + space, text);
            var sp = SpaceRegistry.Resolve(space);
            Assert.Equal(code, ((IConfigSpace)sp).ReadConfig(text).ToString());
            var body = string.Concat(text.Split('\n').Where(l => !l.StartsWith('#')).Select(l => l + "\n")).TrimEnd('\n') + "\n";
            var written = ((IConfigSpace)sp).WriteConfig(Architecture.Parse(code)); // HAT's layout has '#' lines of its own
            Assert.Equal(string.Concat(written.Split('\n').Where(l => !l.StartsWith('#')).Select(l => l + "\n")).TrimEnd('\n') + "\n", body);

            var p = CliRunner.Run("predict", "--space", space, "--tables", tables, "--accuracy-model", model, "--config", cfg, "--json");
            Assert.True(p.ExitCode == 0, p.Err);
            Assert.Equal(s.Json.GetProperty("objective").GetDouble(), p.Json.GetProperty("predicted").GetProperty("accuracy").GetDouble(), 9);

            var c = CliRunner.Run("config", "--space", space, "--arch", cfg, "--json");
            Assert.True(c.ExitCode == 0, c.Err);
            Assert.Equal(code, string.Join(",", c.Json.GetProperty("code").EnumerateArray().Select(x => x.GetInt32())));
        }
    }

    [Fact]
    public void ConfigConvertsACodeToTheNativeConfigAndBack()
    {
        var path = Path.Combine(_dir, "st.yml");
        var st = SuperTransformerSpace.Create();
        var a = st.Sample(new Random(3));
        var w = CliRunner.Run("config", "--space", "supertransformer", "--arch", a.ToString(), "--out", path);
        Assert.True(w.ExitCode == 0, w.Err);
        Assert.Equal(a, SuperTransformerSpace.Encode(SubTransformerConfig.Load(path)));
        var r = CliRunner.Run("config", "--space", "supertransformer", "--config", path, "--json");
        Assert.Equal(a.ToString(), string.Join(",", r.Json.GetProperty("code").EnumerateArray().Select(x => x.GetInt32())));

        var nb = CliRunner.Run("config", "--space", "nasbench201", "--arch", "3,3,1,0,2,4");
        Assert.Contains("arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|'", nb.Out);
    }

    [Fact]
    public void ConfigRefusesSpacesWithoutANativeFormat_AndBadCodes()
    {
        var r = CliRunner.Run("config", "--space", CliRunner.RepoFile("examples", "tiny-space.yml"), "--arch", "0,0,0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no native config", r.Err);
        var bad = CliRunner.Run("config", "--space", "supertransformer", "--arch", "0,0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Single(bad.Err.Trim().Split('\n'));
    }

    [Fact]
    public void SpacesShowsTheValidCountOfConstrainedSpaces()
    {
        var r = CliRunner.Run("spaces", "--json");
        Assert.Equal(0, r.ExitCode);
        var rows = r.Json.GetProperty("spaces").EnumerateArray().ToDictionary(x => x.GetProperty("name").GetString()!, x => x);
        Assert.Equal(SuperTransformerSpace.CountValid().ToString(), rows["supertransformer"].GetProperty("valid_networks").GetString());
        Assert.Equal(System.Numerics.BigInteger.Pow(7371, 5).ToString(), rows[MobileNetV3Spaces.LayerViewName].GetProperty("valid_networks").GetString());
        Assert.NotEqual(rows["supertransformer"].GetProperty("size").GetString(), rows["supertransformer"].GetProperty("valid_networks").GetString());
        var show = CliRunner.Run("spaces", "--show", "supertransformer");
        Assert.Contains($"{SuperTransformerSpace.CountValid()} valid networks", show.Out);
    }
}
