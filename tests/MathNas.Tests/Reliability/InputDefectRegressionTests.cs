using MathNas.LatencyModels;
using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Tests.Support;

namespace MathNas.Tests.Reliability;

/// <summary>One regression test per input defect of issue 10 (defects 1, 8, 9 and 11); the fuzz suite covers their neighbourhoods.</summary>
public class InputDefectRegressionTests
{
    private static long Allocated(Action a)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        a();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static (MathNasException Error, long Bytes) Rejects(Action a)
    {
        MathNasException? e = null;
        long bytes = Allocated(() => e = Assert.Throws<MathNasException>(a));
        return (e!, bytes);
    }

    // ---- defect 1: a native config nested 50,000 levels deep overflowed the stack (exit 134)

    [Theory]
    [InlineData("mobilenetv3", false)]
    [InlineData("mobilenetv3", true)]
    [InlineData("supervit", false)]
    [InlineData("supervit", true)]
    [InlineData("supertransformer", false)]
    [InlineData("supertransformer", true)]
    [InlineData("nasbench201", false)]
    [InlineData("nasbench201", true)]
    public void D1_a_config_nested_50000_levels_deep_is_a_one_line_error(string space, bool maps)
    {
        var cs = (IConfigSpace)SpaceRegistry.Resolve(space);
        var text = "ks: " + FuzzCorpus.NestedText(50_000, maps) + "\n";
        var e = Assert.Throws<MathNasException>(() => cs.ReadConfig(text, "deep.yml"));
        Assert.Contains("nested more than", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    // ---- defect 8: unbounded resources from small inputs

    [Fact]
    public void D8_a_pt_zip_bomb_is_refused_without_inflating_it()
    {
        // a bomb entry (200 MB of zeros, under 1 MB deflated) beside a pickle: its declared size is over the cap, so nothing is inflated
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, true))
        {
            using (var s = z.CreateEntry("archive/data.pkl").Open()) s.Write(FuzzCorpus.Pickle("DoubleStorage", 6, 0, [2, 3], [3, 1]));
            using var d = z.CreateEntry("archive/data/0", System.IO.Compression.CompressionLevel.Optimal).Open();
            var chunk = new byte[1 << 20];
            for (int i = 0; i < 200; i++) d.Write(chunk);
        }
        var file = ms.ToArray();
        Assert.True(file.Length < 1 << 20, "the bomb is a small file");
        var (e, bytes) = Rejects(() => TorchPtReader.Read(file, "bomb.pt"));
        Assert.Contains("at most", e.Message);
        Assert.True(bytes < 64L << 20, $"allocated {bytes:N0} bytes before refusing");
    }

    [Fact]
    public void D8_a_pt_tensor_shape_is_checked_before_allocating()
    {
        // the issue's 721-byte file: shape [15000, 15000], strides [0, 0] over a 1-element storage (1.8 GB)
        var pt = FuzzCorpus.Zip(("archive/data.pkl", FuzzCorpus.Pickle("FloatStorage", 1, 0, [15000, 15000], [0, 0])), ("archive/data/0", new byte[4]));
        Assert.True(pt.Length < 2000);
        var (e, bytes) = Rejects(() => TorchPtReader.Read(pt, "shape.pt"));
        Assert.Contains("elements", e.Message);
        Assert.True(bytes < 8L << 20, $"allocated {bytes:N0} bytes before refusing");
    }

    [Fact]
    public void D8_yaml_aliases_in_a_space_file_cannot_expand_to_millions_of_blocks()
    {
        var sb = new System.Text.StringBuilder("name: bomb\nanchors:\n- &b0 {name: x, flops: 1}\n");
        for (int i = 1; i <= 23; i++) sb.Append($"- &b{i} [*b{i - 1}, *b{i - 1}]\n"); // 2^23 = 8 M blocks
        sb.Append("nodes: [{name: n, blocks: *b23}]\n");
        var (e, bytes) = Rejects(() => SpaceFile.Parse(sb.ToString(), "bomb.yml"));
        Assert.Contains("aliases expanded", e.Message);
        Assert.True(bytes < 64L << 20, $"allocated {bytes:N0} bytes before refusing");
    }

    // ---- defect 9: non-finite and overflowing numbers

    [Theory]
    [InlineData("fixed_params: -.inf\n", "'fixed_params'")]
    [InlineData("fixed_flops: .nan\n", "'fixed_flops'")]
    [InlineData("constraints: [{name: c, rhs: 1, terms: [{node: n, block: b, coef: .nan}]}]\n", "'coef'")]
    [InlineData("constraints: [{name: c, rhs: .nan, terms: [{node: n, block: b}]}]\n", "'rhs'")]
    public void D9_non_finite_numbers_in_a_space_file_are_rejected(string extra, string expected)
    {
        var text = "name: t\nnodes:\n- name: n\n  blocks: [{name: a, flops: 1}, {name: b, flops: 2}]\n" + extra;
        Assert.Contains(expected, Assert.Throws<MathNasException>(() => SpaceFile.Parse(text, "t.yml")).Message);
    }

    [Fact]
    public void D9_space_sums_that_overflow_are_rejected()
    {
        var text = "name: t\nfixed_flops: 1.0e308\nnodes:\n- blocks: [{flops: 1.0e308}]\n- blocks: [{flops: 1.0e308}]\n";
        Assert.Contains("overflow", Assert.Throws<MathNasException>(() => SpaceFile.Parse(text, "t.yml")).Message);
    }

    private static SearchSpace Three() => SpaceFile.Parse("name: s\nnodes:\n- blocks: [{flops: 1}, {flops: 2}]\n- blocks: [{flops: 1}, {flops: 2}]\n- blocks: [{flops: 1}, {flops: 2}]\n", "s.yml");

    private static string Tables(string metric, string baseValue, string deltas) =>
        $"{{\"version\": 1, \"space\": \"s\", \"tables\": {{\"{metric}\": {{\"metric\": \"{metric}\", \"base_value\": {baseValue}, \"deltas\": {deltas}}}}}}}";

    [Fact]
    public void D9_deltas_whose_sum_overflows_are_rejected()
    {
        // three deltas of -1e308: predicted accuracy was "Infinity", "proven optimal"
        var json = Tables("accuracy", "70", "[[0, -1e308], [0, -1e308], [0, -1e308]]");
        Assert.Contains("overflow", Assert.Throws<MathNasException>(() => TableSet.Parse(json, "t.json")).Message);
        // the same check holds for tables built in memory
        var t = new BlockTable { Metric = "accuracy", BaseValue = 70, Deltas = [[0, -1e308], [0, -1e308], [0, -1e308]] };
        Assert.Throws<MathNasException>(() => t.CheckAgainst(Three()));
    }

    [Theory]
    [InlineData("latency:dev")]
    [InlineData("energy:dev")]
    [InlineData("flops")]
    [InlineData("params")]
    public void D9_a_negative_base_value_of_a_cost_is_rejected(string metric)
    {
        var json = Tables(metric, "-0.5", "[[0, 1], [0, 1], [0, 1]]");
        Assert.Contains("negative base value", Assert.Throws<MathNasException>(() => TableSet.Parse(json, "t.json")).Message);
        // accuracy and custom costs may be below zero
        TableSet.Parse(Tables("cost:x", "-0.5", "[[0, 1], [0, 1], [0, 1]]"), "t.json").CheckAgainst(Three());
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("NaN")]
    [InlineData("1e400")]
    [InlineData("\"-Infinity\"")]
    public void D9_non_finite_table_values_are_rejected(string v)
    {
        Assert.Throws<MathNasException>(() => TableSet.Parse(Tables("accuracy", v, "[[0, 1], [0, 1], [0, 1]]"), "t.json"));
        Assert.Throws<MathNasException>(() => TableSet.Parse(Tables("accuracy", "1", $"[[0, {v}], [0, 1], [0, 1]]"), "t.json"));
    }

    [Fact]
    public void D9_the_parity_maximum_sees_NaN()
    {
        // Enumerable.Max skips NaN: 8 of 27 NaN predictions printed "OK"
        double[] diffs = [0, double.NaN, 1e-12];
        Assert.Equal(1e-12, diffs.Max()); // the trap
        var d = ReferenceParity.MaxAbsDiff([(1.0, 1.0), (double.NaN, 2.0), (3.0, 3.0)]);
        Assert.True(double.IsNaN(d));
        Assert.False(d <= 1e-9);
        Assert.Equal(0.5, ReferenceParity.MaxAbsDiff([(1.0, 1.5), (2.0, 2.0)]));
    }

    [Fact]
    public void D9_a_zip_entry_with_a_bad_crc_is_rejected()
    {
        var valid = FuzzCorpus.ValidPt();
        Assert.Equal(6, TorchPtReader.Read(valid, "ok.pt").Count);
        var data = FuzzCorpus.DoubleStorage(6);
        int at = -1;
        for (int i = 0; i + data.Length <= valid.Length && at < 0; i++)
            if (valid.AsSpan(i, data.Length).SequenceEqual(data)) at = i;
        var bad = (byte[])valid.Clone();
        bad[at + 9] ^= 0x40; // one value changes: the file still reads as a tensor without the check
        Assert.Contains("CRC-32", Assert.Throws<MathNasException>(() => TorchPtReader.Read(bad, "crc.pt")).Message);
    }

    // ---- defect 11: the smaller items

    [Fact]
    public void D11_control_bytes_from_files_are_escaped_in_messages()
    {
        var e = Assert.Throws<MathNasException>(() => ReferenceCsv.Parse("\u001b[2J\u0007a,b\n1,2\n", "bin.csv").Column("c"));
        Assert.Contains("\\x1b[2J\\x07a", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
        Assert.Equal("a\\x1bb c", new MathNasException("a\u001bb\nc").Message);
    }

    [SkippableFact]
    public void D11_a_header_only_reference_predictions_csv_is_a_clean_error()
    {
        var real = TestData.Require("mathnas-reference");
        var dir = Directory.CreateTempSubdirectory("mathnas-refhdr-").FullName;
        try
        {
            var root = Path.Combine(dir, ReferenceData.Folder);
            Directory.CreateDirectory(root);
            foreach (var sub in Directory.GetDirectories(real))
                Directory.CreateSymbolicLink(Path.Combine(root, Path.GetFileName(sub)), sub);
            var header = File.ReadLines(Path.Combine(real, "reference_predictions.csv")).First();
            File.WriteAllText(Path.Combine(root, "reference_predictions.csv"), header + "\n");
            var data = ReferenceData.Load(dir, ReferenceSource.Csv);
            var e = Assert.Throws<MathNasException>(() => ReferenceDefects.Compare(data));
            Assert.Contains("no prediction rows", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("{\"name\": \"t\", \"name\": \"u\", \"nodes\": [{\"blocks\": [{\"flops\": 1}]}]}")]
    [InlineData("{\"name\": \"t\", \"nodes\": [{\"blocks\": [{\"flops\": 1, \"flops\": 2}]}]}")]
    [InlineData("name: t\nnodes:\n- blocks: [{flops: 1}]\nname: u\n")]
    public void D11_duplicate_keys_in_space_files_are_rejected(string text) =>
        Assert.Contains("appears twice", Assert.Throws<MathNasException>(() => SpaceFile.Parse(text, "d.json")).Message);

    [Fact]
    public void D11_duplicate_unknown_keys_and_unknown_metrics_in_tables_files_are_rejected()
    {
        var ok = Tables("accuracy", "1", "[[0, 1], [0, 1], [0, 1]]");
        TableSet.Parse(ok, "t.json").CheckAgainst(Three());
        Assert.Contains("appears twice", Assert.Throws<MathNasException>(() => TableSet.Parse(ok.Replace("\"version\": 1", "\"version\": 1, \"version\": 1"), "t.json")).Message);
        Assert.Contains("appears twice", Assert.Throws<MathNasException>(() => TableSet.Parse(ok.Replace("\"base_value\": 1", "\"base_value\": 2, \"base_value\": 1"), "t.json")).Message);
        var unknown = Assert.Throws<MathNasException>(() => TableSet.Parse(ok.Replace("\"base_value\": 1", "\"base_value\": 1, \"latency\": 3"), "t.json")).Message;
        Assert.Contains("unknown key 'latency' in a table", unknown);
        Assert.DoesNotContain("MathNas.", unknown);
        Assert.Contains("unknown metric", Assert.Throws<MathNasException>(() => TableSet.Parse(Tables("latency", "1", "[[0, 1], [0, 1], [0, 1]]"), "t.json")).Message);
        Assert.Throws<MathNasException>(() => TableSet.Parse(Tables("speed:x", "1", "[[0, 1], [0, 1], [0, 1]]"), "t.json"));
    }

    [Theory]
    [InlineData("mobilenetv3")]
    [InlineData("supervit")]
    [InlineData("supertransformer")]
    [InlineData("nasbench201")]
    public void D11_a_multi_document_config_is_refused(string space)
    {
        var sp = SpaceRegistry.Resolve(space);
        var cs = (IConfigSpace)sp;
        var one = cs.WriteConfig(sp.BaseArchitecture);
        Assert.Equal(sp.BaseArchitecture, cs.ReadConfig(one));
        var e = Assert.Throws<MathNasException>(() => cs.ReadConfig(one + "---\n" + one, "two.yml"));
        Assert.Contains("more than one YAML document", e.Message);
    }

    [Theory]
    [InlineData(1, "1e12", "encoder_layer_num")]
    [InlineData(1, "12", "out of range")]
    [InlineData(2, "-1024", "outside the space's range")]
    [InlineData(6, "-2048", "outside the space's range")]
    [InlineData(0, "100", "not choices of the space")]
    public void D11_hat_rows_with_absurd_values_are_refused(int column, string value, string expected)
    {
        var rows = FuzzCorpus.HatRows();
        var f = rows[1].Split(',');
        f[column] = value;
        rows[1] = string.Join(',', f);
        var text = FuzzCorpus.HatHeader + "\n" + string.Join("\n", rows) + "\n";
        Assert.Contains(expected, Assert.Throws<MathNasException>(() => HatLatencyData.Parse(text, "hat.csv")).Message);
    }

    [Fact]
    public void D11_an_all_identical_hat_file_is_refused()
    {
        var text = FuzzCorpus.HatHeader + "\n" + string.Join("\n", Enumerable.Repeat(FuzzCorpus.HatRows()[0], 100)) + "\n";
        Assert.Contains("same network", Assert.Throws<MathNasException>(() => HatLatencyData.Parse(text, "hat.csv")).Message);
    }

    [Fact]
    public void D11_an_unknown_space_file_key_names_the_key_not_a_dotnet_type()
    {
        var e = Assert.Throws<MathNasException>(() => SpaceFile.Parse("name: t\nnodes:\n- blocks: [{flops: 1, latency: 3}]\n", "t.yml"));
        Assert.Contains("unknown key 'latency' in a block (keys of a block: name, flops, params)", e.Message);
        Assert.DoesNotContain("BlockDto", e.Message);
        Assert.DoesNotContain("MathNas.", e.Message);
    }
}
