using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MathNas.Data;

namespace MathNas.Cli.Tests;

/// <summary>
/// External workers through the CLI: the NAS-Bench-201 worker against the built-in evaluator (estimate, validate,
/// search --verify give the same figures), the template worker on a user space file, the evaluation store
/// (re-use, --from-store, export, kill -9).
/// </summary>
public class WorkerCommandsTests
{
    private static readonly string Nb201Worker = CliRunner.RepoFile("examples", "workers", "nb201_worker.py");
    private static readonly string TemplateWorker = CliRunner.RepoFile("examples", "workers", "template_worker.py");

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "mathnas-worker-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static CliRunner.Result Ok(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Err}");
        return r;
    }

    /// <summary>A JSON text without the named properties (at any depth), for comparing two runs.</summary>
    private static string Without(string json, params string[] names)
    {
        var node = JsonNode.Parse(json)!;
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var k in names) o.Remove(k);
                foreach (var kv in o.ToList()) Strip(kv.Value);
            }
            else if (n is JsonArray a) foreach (var x in a) Strip(x);
        }
        Strip(node);
        return node.ToJsonString();
    }

    /// <summary>An 8-node x 4-block user space, as a new user would write it.</summary>
    private static string UserSpace(string dir)
    {
        var sb = new StringBuilder("name: my8x4\ndescription: eight nodes of four blocks\nnodes:\n");
        for (int i = 0; i < 8; i++)
        {
            sb.Append($"  - name: n{i}\n    blocks:\n");
            for (int j = 0; j < 4; j++) sb.Append($"      - {{name: b{j}, flops: {j * 2 + i}, params: {0.1 * j}}}\n");
        }
        var path = Path.Combine(dir, "my8x4.yml");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Through the Python worker and through the built-in evaluator: the same tables, validation and verified search.</summary>
    private static void SameAsBuiltIn(string benchDir, string[] estimators, string[] metrics, string budget)
    {
        var dir = TempDir();
        try
        {
            var worker = $"process:python3 \"{Nb201Worker}\" \"{benchDir}\"";
            var builtIn = $"nasbench201-benchmark:dir={benchDir}";
            string? tables = null;
            foreach (var est in estimators)
            {
                var a = Ok("estimate", "--space", "nasbench201", "--evaluator", builtIn, "--estimator", est, "--out", Path.Combine(dir, "a.json"), "--store", Path.Combine(dir, "sa"), "--json");
                var b = Ok("estimate", "--space", "nasbench201", "--evaluator", worker, "--workers", "2", "--estimator", est, "--out", Path.Combine(dir, "b.json"), "--store", Path.Combine(dir, "sb"), "--json");
                Assert.Equal(Without(a.Out, "evaluator", "out", "seconds", "store"), Without(b.Out, "evaluator", "out", "seconds", "store"));
                Assert.Equal(Without(File.ReadAllText(Path.Combine(dir, "a.json")), "date", "evaluator"), Without(File.ReadAllText(Path.Combine(dir, "b.json")), "date", "evaluator"));
                // Printed tables: identical to the digit.
                var ta = Ok("estimate", "--space", "nasbench201", "--evaluator", builtIn, "--estimator", est, "--out", Path.Combine(dir, "a.json"), "--store", Path.Combine(dir, "sa"));
                var tb = Ok("estimate", "--space", "nasbench201", "--evaluator", worker, "--estimator", est, "--out", Path.Combine(dir, "b.json"), "--store", Path.Combine(dir, "sb"));
                static string Table(string s) => string.Join("\n", s.Split('\n').Where(l => l.StartsWith('│')));
                Assert.Equal(Table(ta.Out), Table(tb.Out));
                Assert.Contains("network(s) re-used, 0 measured", tb.Out);
                tables = Path.Combine(dir, "a.json");
            }
            foreach (var m in metrics)
            {
                var va = Ok("validate", "--space", "nasbench201", "--tables", tables!, "--metric", m, "--evaluator", builtIn, "--networks", "150", "--store", Path.Combine(dir, "sa"), "--json");
                var vb = Ok("validate", "--space", "nasbench201", "--tables", tables!, "--metric", m, "--evaluator", worker, "--networks", "150", "--store", Path.Combine(dir, "sb"), "--json");
                Assert.Equal(Without(va.Out, "evaluator", "store"), Without(vb.Out, "evaluator", "store"));
                Assert.Equal(150, va.Json.GetProperty("n").GetInt32());
            }
            var sa = Ok("search", "--space", "nasbench201", "--tables", tables!, "--max", budget, "--verify", builtIn, "--store", Path.Combine(dir, "sa"), "--json");
            var sb2 = Ok("search", "--space", "nasbench201", "--tables", tables!, "--max", budget, "--verify", worker, "--store", Path.Combine(dir, "sb"), "--json");
            Assert.Equal(Without(sa.Out, "solve_ms", "solve_ms_median", "verifier"), Without(sb2.Out, "solve_ms", "solve_ms_median", "verifier"));
            Assert.True(sa.Json.GetProperty("evaluations").GetInt32() >= 1);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Nb201Worker_OnASyntheticBenchmark_GivesWhatTheBuiltInEvaluatorGives()
    {
        using var bench = new SyntheticBenchmarkDir();
        SameAsBuiltIn(bench.Dir, ["single", "sampled:3", "regression:100"], ["accuracy", "latency:raspi4"], "latency:pixel3=4.5");
    }

    [SkippableFact]
    public void Nb201Worker_OnTheRealBenchmark_GivesWhatTheBuiltInEvaluatorGives()
    {
        var data = DataLocator.Find();
        Skip.If(data is null || !Directory.Exists(Path.Combine(data, "nasbench201")), "shared data not found: set MATHNAS_DATA; test skipped");
        SameAsBuiltIn(Path.Combine(data!, "nasbench201"), ["single", "sampled:5"], ["accuracy", "latency:pixel3", "latency:fpga"], "latency:pixel3=10");
    }

    [Fact]
    public void UserSpaceFile_WithTheTemplateWorker_EstimatesSearchesValidates_AndTheHintNamesTheFile()
    {
        var dir = TempDir();
        try
        {
            var space = UserSpace(dir);
            var store = Path.Combine(dir, "store");
            var worker = $"process:python3 \"{TemplateWorker}\"";
            var hint = CliRunner.Run("search", "--space", space, "--max", "latency:toy=10");
            Assert.Equal(2, hint.ExitCode);
            Assert.Contains($"mathnas estimate --space {space} --evaluator E", hint.Err);
            Assert.Contains("process:", hint.Err);
            Assert.DoesNotContain("--space my8x4 ", hint.Err);

            var tables = Path.Combine(dir, "t.json");
            var est = Ok("estimate", "--space", space, "--evaluator", worker, "--workers", "2", "--estimator", "sampled:3", "--out", tables, "--store", store, "--json");
            int evals = est.Json.GetProperty("evaluations").GetInt32();
            Assert.Equal(evals, est.Json.GetProperty("store").GetProperty("measured").GetInt32());
            Assert.Equal(["accuracy", "latency:toy"], est.Json.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("metric").GetString()!).ToArray());

            var again = Ok("estimate", "--space", space, "--evaluator", worker, "--estimator", "sampled:3", "--out", Path.Combine(dir, "t2.json"), "--store", store, "--json");
            Assert.Equal(0, again.Json.GetProperty("store").GetProperty("measured").GetInt32());
            var fromStore = Ok("estimate", "--space", space, "--evaluator", worker, "--estimator", "sampled:3", "--out", Path.Combine(dir, "t3.json"), "--store", store, "--from-store");
            Assert.Equal(Without(File.ReadAllText(tables), "date"), Without(File.ReadAllText(Path.Combine(dir, "t3.json")), "date"));
            Assert.Contains($"{evals} network(s) re-used, 0 measured", fromStore.Out);

            var search = Ok("search", "--space", space, "--tables", tables, "--max", "latency:toy=12", "--verify", worker, "--store", store, "--json");
            Assert.True(search.Json.GetProperty("verified").GetBoolean());
            Assert.True(search.Json.GetProperty("measured").GetProperty("latency:toy").GetDouble() <= 12);

            var plot = Path.Combine(dir, "v.png");
            var v = Ok("validate", "--space", space, "--tables", tables, "--metric", "accuracy", "--evaluator", worker, "--networks", "40", "--store", store, "--plot", plot, "--json");
            Assert.Equal(40, v.Json.GetProperty("n").GetInt32());
            Assert.True(v.Json.GetProperty("spearman").GetDouble() > 0.5);
            Assert.True(v.Json.GetProperty("within_10pct").GetDouble() is >= 0 and <= 100);
            Assert.True(new FileInfo(plot).Length > 1000);
            var vs = Ok("validate", "--space", space, "--tables", tables, "--metric", "latency:toy", "--evaluator", worker, "--from-store", "--store", store, "--json");
            Assert.True(vs.Json.GetProperty("n").GetInt32() >= 40);
            Assert.Equal(0, vs.Json.GetProperty("store").GetProperty("measured").GetInt32());

            // The store: one value per network and metric; exports in CSV and JSON.
            var list = Ok("evaluations", "--store", store, "--space", space, "--json");
            int networks = list.Json.GetProperty("networks").GetInt32();
            Assert.Equal(2 * networks, list.Json.GetProperty("evaluations").GetInt32());
            var csv = Path.Combine(dir, "e.csv");
            var json = Path.Combine(dir, "e.json");
            Ok("evaluations", "--store", store, "--metric", "accuracy", "--export", csv);
            Ok("evaluations", "--store", store, "--evaluator", "process", "--export", json);
            var lines = File.ReadAllLines(csv);
            Assert.Equal("space,space_hash,code,evaluator,options,metric,value,unit,seconds,time,seed", lines[0]);
            Assert.Equal(networks + 1, lines.Length);
            Assert.StartsWith("my8x4,", lines[1]);
            Assert.Equal(2 * networks, JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetArrayLength());
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            var text = Ok("evaluations", "--store", store, "--code", "0,0,0,0,0,0,0,0");
            Assert.Contains("my8x4", text.Out);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void FromStore_WithNothingStored_FailsOnOneLine()
    {
        var dir = TempDir();
        try
        {
            var space = UserSpace(dir);
            var r = CliRunner.Run("estimate", "--space", space, "--evaluator", $"process:python3 \"{TemplateWorker}\"", "--out", Path.Combine(dir, "t.json"), "--store", Path.Combine(dir, "s"), "--from-store");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("holds no evaluation of space 'my8x4'", r.Err);
            Assert.Single(r.Err.Trim().Split('\n'));
            var none = CliRunner.Run("evaluations", "--store", Path.Combine(dir, "nothing"));
            Assert.Equal(2, none.ExitCode);
            var bad = CliRunner.Run("estimate", "--space", space, "--evaluator", $"process:python3 \"{TemplateWorker}\"", "--workers", "0", "--out", Path.Combine(dir, "t.json"), "--no-store");
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("--workers must be at least 1", bad.Err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task TwoProcesses_ShareOneStore()
    {
        var dir = TempDir();
        try
        {
            var space = UserSpace(dir);
            var store = Path.Combine(dir, "store");
            var worker = $"process:python3 \"{TemplateWorker}\" --delay 0.005";
            var runs = new[] { "sampled:3", "regression:60" }.Select(est => Process.Start(CliProcess("estimate", "--space", space, "--evaluator", worker,
                "--estimator", est, "--out", Path.Combine(dir, est.Replace(':', '-') + ".json"), "--store", store, "--json"))!).ToList();
            var outs = new List<string>();
            foreach (var p in runs)
            {
                var o = p.StandardOutput.ReadToEndAsync();
                var e = p.StandardError.ReadToEndAsync();
                Assert.True(p.WaitForExit(120_000));
                Assert.True(p.ExitCode == 0, await e);
                outs.Add(await o);
                p.Dispose();
            }
            int used = outs.Sum(o => JsonDocument.Parse(o).RootElement.GetProperty("evaluations").GetInt32());
            var list = Ok("evaluations", "--store", store, "--json");
            int networks = list.Json.GetProperty("networks").GetInt32();
            Assert.Equal(2 * networks, list.Json.GetProperty("evaluations").GetInt32());
            Assert.True(networks <= used);
            // Both sets of tables refit from the shared store alone.
            Ok("estimate", "--space", space, "--evaluator", worker, "--estimator", "sampled:3", "--out", Path.Combine(dir, "a.json"), "--store", store, "--from-store");
            Ok("estimate", "--space", space, "--evaluator", worker, "--estimator", "regression:60", "--out", Path.Combine(dir, "b.json"), "--store", store, "--from-store");
            Assert.Equal(Without(File.ReadAllText(Path.Combine(dir, "regression-60.json")), "date"), Without(File.ReadAllText(Path.Combine(dir, "b.json")), "date"));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The CLI as a separate process (so that it can be killed with SIGKILL).</summary>
    private static ProcessStartInfo CliProcess(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MathNas.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    [Fact]
    public async Task KillNine_AtRandomMoments_EveryRerunEndsWithTheSameTables_AndNoNetworkIsEvaluatedTwice()
    {
        var dir = TempDir();
        try
        {
            var space = UserSpace(dir);
            var log = Path.Combine(dir, "evaluated.log");
            var store = Path.Combine(dir, "store");
            var slow = $"process:python3 \"{TemplateWorker}\" --delay 0.02 --log \"{log}\"";
            string[] Args(string outFile) => ["estimate", "--space", space, "--evaluator", slow, "--estimator", "sampled:4", "--seed", "5", "--out", outFile, "--store", store];

            // The reference: the same estimate in-process with the same function (no delay, no kill, another store).
            var reference = Path.Combine(dir, "reference.json");
            Ok("estimate", "--space", space, "--evaluator", $"process:python3 \"{TemplateWorker}\"", "--estimator", "sampled:4", "--seed", "5", "--out", reference, "--store", Path.Combine(dir, "refstore"));
            var expected = Without(File.ReadAllText(reference), "date", "evaluator");

            var rng = new Random(11);
            int kills = 0, completed = 0;
            for (int round = 0; round < 10; round++)
            {
                var outFile = Path.Combine(dir, $"run{round}.json");
                using var p = Process.Start(CliProcess(Args(outFile)))!;
                _ = p.StandardOutput.ReadToEndAsync();
                _ = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(300 + rng.Next(2500)))
                {
                    p.Kill(entireProcessTree: false); // SIGKILL to the CLI only; its worker sees end of input and exits
                    p.WaitForExit();
                    kills++;
                    // Killed after its tables were written (they are written atomically): then they are the whole tables.
                    if (File.Exists(outFile)) Assert.Equal(expected, Without(File.ReadAllText(outFile), "date", "evaluator"));
                }
                else
                {
                    Assert.Equal(0, p.ExitCode);
                    completed++;
                    Assert.Equal(expected, Without(File.ReadAllText(outFile), "date", "evaluator"));
                }
            }
            // A last run to the end.
            var final = Path.Combine(dir, "final.json");
            using (var p = Process.Start(CliProcess(Args(final)))!)
            {
                var stdout = p.StandardOutput.ReadToEndAsync();
                _ = p.StandardError.ReadToEndAsync();
                Assert.True(p.WaitForExit(120_000));
                Assert.Equal(0, p.ExitCode);
                Assert.Contains("evaluation store", await stdout);
            }
            Assert.Equal(expected, Without(File.ReadAllText(final), "date", "evaluator"));
            int needed = JsonDocument.Parse(File.ReadAllText(reference)).RootElement.GetProperty("tables").EnumerateObject().First().Value.GetProperty("provenance").GetProperty("evaluations").GetInt32();

            // The store holds each network once, and exactly the networks the estimate needs.
            var list = Ok("evaluations", "--store", store, "--json");
            Assert.Equal(needed, list.Json.GetProperty("networks").GetInt32());
            Assert.Equal(2 * needed, list.Json.GetProperty("evaluations").GetInt32());
            // The worker measured each network once, except at most the one in flight at each kill (one worker copy).
            await Task.Delay(500); // a killed run's worker finishes its last request before it sees the end of its input
            var measured = File.ReadAllLines(log);
            int repeats = measured.Length - measured.Distinct().Count();
            Assert.True(repeats <= kills, $"{repeats} repeated evaluations after {kills} kills");
            Assert.Equal(needed, measured.Distinct().Count());
            Assert.True(kills + completed == 10);
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>
/// Keeps the default evaluation store of this test process in a temporary folder (removed at exit), so that commands
/// run without --store do not grow a store in the build folder from one test run to the next.
/// </summary>
internal static class TestStore
{
#pragma warning disable CA2255 // a module initializer is what sets the variable before any test runs
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Init()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mathnas-cli-tests-store-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("MATHNAS_STORE", dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
    }
#pragma warning restore CA2255
}
