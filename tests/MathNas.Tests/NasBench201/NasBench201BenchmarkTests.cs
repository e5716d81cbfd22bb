using MathNas.Data;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;
using MathNas.Tables;
using MathNas.Tests.Support;

namespace MathNas.Tests.NasBench201;

public class NasBench201BenchmarkTests
{
    [SkippableFact]
    public void ReadsTheRealFiles()
    {
        var dir = TestData.Require("nasbench201");
        var b = NasBench201Benchmark.Read(Path.Combine(dir, NasBench201Benchmark.AccuracyFile), Path.Combine(dir, NasBench201Benchmark.LatencyFile));
        Assert.Equal(15625, b.Count);
        Assert.Equal(15625, b.Codes.Distinct().Count());
        // Percentages; the all-conv3x3 cell has index 1462 and arch 0 is op_code 421211 (data README).
        Assert.InRange(b.Accuracy.Min(), 0, 100);
        Assert.InRange(b.Accuracy.Max(), 90, 100);
        Assert.Equal(1462, b.IndexOf(new Architecture(3, 3, 3, 3, 3, 3)));
        Assert.Equal(new Architecture(4, 2, 1, 2, 1, 1), b.CodeAt(0));
        foreach (var d in b.Devices) Assert.All(b.Latency(d), v => Assert.True(v > 0));
        var ev = NasBench201BenchmarkEvaluator.Load(dir);
        var r = ev.Evaluate(b.CodeAt(1));
        Assert.Equal(b.Accuracy[1], r["accuracy"]);
        Assert.Equal(9, r.Count);
        Assert.Equal(b.Latency("pixel3")[1], r["latency:pixel3"]);
    }

    [Fact]
    public void ReadsWellFormedSyntheticFiles()
    {
        using var f = new SyntheticNb201Files();
        var b = NasBench201Benchmark.Load(f.Dir);
        Assert.Equal(15625, b.Count);
        var a = new Architecture(3, 3, 4, 1, 3, 1);
        Assert.Equal(SyntheticNb201Files.Accuracy(a), b.Accuracy[b.IndexOf(a)]);
        Assert.Equal(SyntheticNb201Files.Latency(a, 2), b.Latency("pixel3")[b.IndexOf(a)]);
        var ev = (NasBench201BenchmarkEvaluator)EvaluatorRegistry.Resolve($"nasbench201-benchmark:dir={f.Dir}", NasBench201Space.Instance);
        Assert.Equal(9, ev.Metrics.Count);
        Assert.Equal("ms", ev.Metrics["latency:2080ti_1"]);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "empty-acc", "file is empty" },
        { "truncated-acc", "expected 15625 (truncated file?)" },
        { "truncated-lat", "expected 15625 (truncated file?)" },
        { "nan-acc", "not a finite number" },
        { "nan-lat", "not a finite number" },
        { "text-acc", "is not a number" },
        { "wide-row", "5 fields, expected 4" },
        { "narrow-lat", "9 fields, expected 10" },
        { "unknown-op", "unknown op 'conv_7x7'" },
        { "bad-opcode", "digits 0..4" },
        { "mismatch", "describe different networks" },
        { "duplicate", "appears twice" },
        { "header", "header is" },
        { "lat-header", "header is" },
        { "order", "out of order" },
        { "files-disagree", "differs from" },
        { "negative-lat", "not positive" },
        { "extra-row", "more than 15625" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void RejectsBrokenFilesWithAClearMessage(string corruption, string message)
    {
        using var f = new SyntheticNb201Files();
        var acc = f.AccuracyLines;
        var lat = f.LatencyLines;
        switch (corruption)
        {
            case "empty-acc": acc.Clear(); break;
            case "truncated-acc": acc.RemoveRange(15000, acc.Count - 15000); break;
            case "truncated-lat": lat.RemoveAt(lat.Count - 1); break;
            case "nan-acc": acc[10] = acc[10][..acc[10].LastIndexOf(',')] + ",NaN"; break;
            case "nan-lat": lat[7] = lat[7][..lat[7].LastIndexOf(',')] + ",nan"; break;
            case "text-acc": acc[10] = acc[10][..acc[10].LastIndexOf(',')] + ",n/a"; break;
            case "wide-row": acc[20] += ",1"; break;
            case "narrow-lat": lat[20] = lat[20][..lat[20].LastIndexOf(',')]; break;
            case "unknown-op": acc[5] = acc[5].Replace("nor_conv_1x1", "conv_7x7").Replace("nor_conv_3x3", "conv_7x7").Replace("skip_connect", "conv_7x7").Replace("avg_pool_3x3", "conv_7x7").Replace("none", "conv_7x7"); break;
            case "bad-opcode": { var p = acc[3].Split(','); p[2] = "33413"; acc[3] = string.Join(",", p); break; }
            case "mismatch": { var p = acc[3].Split(','); p[2] = p[2] == "000000" ? "000001" : "000000"; acc[3] = string.Join(",", p); break; }
            case "duplicate":
            {
                var p = acc[3].Split(',');
                var q = acc[4].Split(',');
                acc[4] = string.Join(",", q[0], p[1], p[2], q[3]);
                break;
            }
            case "header": acc[0] = "arch_index,arch_str,op_code,cifar100_test_acc"; break;
            case "lat-header": lat[0] = lat[0].Replace("pixel3", "pixel4"); break;
            case "order": (acc[100], acc[101]) = (acc[101], acc[100]); break;
            case "files-disagree": { var p = lat[50].Split(','); p[1] = p[1] == "000000" ? "000001" : "000000"; lat[50] = string.Join(",", p); break; }
            case "negative-lat": lat[9] = lat[9][..lat[9].LastIndexOf(',')] + ",-1"; break;
            case "extra-row": acc.Add("15625,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,000000,10.0"); break;
        }
        f.Write();
        var e = Assert.Throws<MathNasException>(() => NasBench201Benchmark.Read(f.AccuracyPath, f.LatencyPath));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFolderOrFileIsAClearError()
    {
        var e = Assert.Throws<MathNasException>(() => NasBench201Benchmark.Load("/nonexistent/folder"));
        Assert.Contains("does not exist", e.Message);
        using var f = new SyntheticNb201Files();
        File.Delete(f.LatencyPath);
        e = Assert.Throws<MathNasException>(() => NasBench201Benchmark.Load(f.Dir));
        Assert.Contains("nb201_latency.csv", e.Message);
    }

    [Fact]
    public void EvaluatorRejectsOtherSpacesAndUnknownOptions()
    {
        var other = new SearchSpace("other", [new Node("a", [new Block("x", 1, 0), new Block("y", 2, 0)])]);
        Assert.Throws<MathNasException>(() => EvaluatorRegistry.Resolve("nasbench201-benchmark", other));
        var e = Assert.Throws<MathNasException>(() => EvaluatorRegistry.Resolve("nasbench201-benchmark:foo=1", NasBench201Space.Instance));
        Assert.Contains("no option 'foo'", e.Message);
        Assert.Contains(MetricNames.Accuracy, NasBench201Benchmark.KnownDevices.Select(MetricNames.Latency).Prepend(MetricNames.Accuracy));
    }
}
