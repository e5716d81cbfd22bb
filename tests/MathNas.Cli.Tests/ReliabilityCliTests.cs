using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MathNas.Search;
using Xunit.Abstractions;

namespace MathNas.Cli.Tests;

/// <summary>
/// Issue 10 on the command line: every numeric option is range-checked at parse time (a generated set of bad values
/// for each, in-process), a sample of bad inputs through a child process of the real tool (one line on stderr,
/// exit 2, within a generous hang limit), and the CLI-side regressions (pareto budgets, the flops-table note).
/// </summary>
public sealed class ReliabilityCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mathnas-relcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static RootCommand Root() => CliApp.BuildRoot(new CliEnv(TextWriter.Null, TextWriter.Null, false));

    private static IEnumerable<string> PathOf(Command c, RootCommand root)
    {
        // the command's path from the root (commands are at most two deep)
        foreach (var top in root.Subcommands)
        {
            if (top == c) return [top.Name];
            foreach (var sub in top.Subcommands)
                if (sub == c) return [top.Name, sub.Name];
        }
        throw new InvalidOperationException($"command {c.Name} not found");
    }

    [Fact]
    public void Every_numeric_option_has_a_range()
    {
        var root = Root();
        var numeric = OptionLimits.NumericOptions(root).ToList();
        Assert.True(numeric.Count >= 30, $"only {numeric.Count} numeric options found");
        foreach (var (_, o) in numeric) Assert.True(OptionLimits.Limits.ContainsKey(o.Name), o.Name);
    }

    /// <summary>Values outside every numeric option's range (and NaN, infinities, junk): each a one-line parse error, exit 2.</summary>
    [Fact]
    public void Every_numeric_option_refuses_values_outside_its_range()
    {
        var root = Root();
        int n = 0;
        var failures = new List<string>();
        foreach (var (cmd, o) in OptionLimits.NumericOptions(root))
        {
            var range = OptionLimits.Limits.GetValueOrDefault(o.Name, OptionLimits.FiniteOnly);
            var u = Nullable.GetUnderlyingType(o.ValueType) ?? o.ValueType;
            bool integral = u == typeof(int) || u == typeof(long);
            var bad = new List<string> { "abc", "", "1,5", "0x10" };
            if (integral)
            {
                if (range.Min > int.MinValue) bad.Add((range.Min - 1).ToString(CultureInfo.InvariantCulture));
                if (range.Max < int.MaxValue) { bad.Add((range.Max + 1).ToString(CultureInfo.InvariantCulture)); bad.Add("2000000000"); }
                bad.AddRange(["99999999999", "1.5", "1e3", "NaN"]);
            }
            else
            {
                bad.AddRange(["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]);
                if (range != OptionLimits.FiniteOnly) bad.AddRange(["1e308", "-1e308"]);
                if (range != OptionLimits.FiniteOnly) bad.Add(range.MinExclusive ? range.Min.ToString("R", CultureInfo.InvariantCulture) : (range.Min - 1).ToString("R", CultureInfo.InvariantCulture));
                if (range != OptionLimits.FiniteOnly) bad.Add(range.MaxExclusive ? range.Max.ToString("R", CultureInfo.InvariantCulture) : (range.Max * 2 + 1).ToString("R", CultureInfo.InvariantCulture));
            }
            var path = PathOf(cmd, root).ToList();
            // required options get placeholder values: the parse fails on the numeric option first or alongside
            var required = cmd.Options.Where(x => x.Required && x != o).SelectMany(x => new[] { x.Name, "x" }).ToList();
            foreach (var v in bad.Distinct())
            {
                n++;
                var args = path.Concat(required).Concat([o.Name, v]).ToArray();
                var r = RunGuarded(args);
                // a hang holds the in-process runner: stop at once rather than wait on every later case
                if (r.ExitCode == -1) Assert.Fail($"hung: mathnas {string.Join(' ', args)}");
                var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (r.ExitCode != 2 || lines.Length != 1 || !lines[0].StartsWith("error: ", StringComparison.Ordinal)
                    || r.Out.Length != 0 || lines[0].Contains("System.", StringComparison.Ordinal) || lines[0].Any(char.IsControl))
                    failures.Add($"{string.Join(' ', args)} -> exit {r.ExitCode}, stderr '{r.Err.Trim()}', stdout {r.Out.Length} chars");
            }
        }
        output.WriteLine($"{n} bad values of numeric options tried");
        Assert.True(n >= 300, $"only {n} bad option values were generated");
        Assert.True(failures.Count == 0, $"{failures.Count} of {n} were not a one-line error with exit 2: {string.Join(" | ", failures.Take(5))}");
    }

    /// <summary>Numbers inside string options: budgets, bands and estimator sample counts.</summary>
    [Fact]
    public void Numbers_inside_budgets_bands_and_estimators_are_checked()
    {
        foreach (var b in new[] { "latency:x=NaN", "latency:x=Infinity", "flops=1e400", "flops=-1e400", "params=", "=5", "latency:x=abc", "accuracy=3", "bogus=1" })
            Assert.Throws<MathNasException>(() => Budget.Parse(b));
        foreach (var b in new[] { "NaN:1", "1:Infinity", "2:1", "-1:2", "1:1e400", "1", "1:2:3", "a:b" })
            Assert.Throws<MathNasException>(() => MathNas.Cli.Commands.RunCommand.ParseBand(b));
        foreach (var e in new[] { "sampled:2000000000", "regression:100001", "sampled:0", "sampled:-1", "sampled:1e3", "sampled:", "regression:99999999999", "full:3", "single:1" })
            Assert.Throws<MathNasException>(() => MathNas.Estimation.BlockEstimators.Parse(e));
        var dup = Assert.Throws<MathNasException>(() => Budget.ParseAll(["latency:cpu=1", "flops=3", "latency:cpu=2"]));
        Assert.Contains("two budgets on latency:cpu", dup.Message);
    }

    /// <summary>Defect 8: `pareto --points 2000000000` reached 6 GB; now a parse error.</summary>
    [Fact]
    public void Pareto_points_two_billion_is_refused_before_any_work()
    {
        var r = RunGuarded(["pareto", "--space", "ofa-mini", "--along", "latency:cpu", "--points", "2000000000"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--points must be at least 1 and at most 10,000", r.Err);
    }

    /// <summary>Defect 11: a --max on the --along metric was dropped silently, and a repeated --max accepted.</summary>
    [Fact]
    public void Pareto_refuses_a_budget_on_its_own_axis_and_repeated_budgets()
    {
        var r = RunGuarded(["pareto", "--space", "ofa-mini", "--along", "latency:cpu", "--max", "latency:cpu=1.0"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bounds the metric the front is drawn along", r.Err);
        r = RunGuarded(["pareto", "--space", "ofa-mini", "--along", "latency:cpu", "--max", "flops=100", "--max", "flops=200"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("two budgets on flops", r.Err);
        r = RunGuarded(["search", "--space", "ofa-mini", "--max", "latency:cpu=1.0", "--max", "latency:cpu=2.0"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("two budgets on latency:cpu", r.Err);
    }

    /// <summary>Defect 11: a 'flops' table in a tables file overrides the space's FLOPs; that choice is now said every time.</summary>
    [Fact]
    public void A_flops_table_that_overrides_the_space_is_reported()
    {
        var space = Path.Combine(_dir, "s.yml");
        File.WriteAllText(space, "name: s\nnodes:\n- name: a\n  blocks: [{name: x, flops: 1}, {name: y, flops: 2}]\n- name: b\n  blocks: [{name: x, flops: 3}, {name: y, flops: 4}]\n");
        var tables = Path.Combine(_dir, "t.json");
        File.WriteAllText(tables, """
            {"version": 1, "space": "s", "tables": {
              "accuracy": {"metric": "accuracy", "base_value": 50, "deltas": [[0, -1], [0, -2]]},
              "flops": {"metric": "flops", "base_value": 400, "deltas": [[0, -100], [0, -100]]}}}
            """);
        var r = RunGuarded(["predict", "--space", space, "--tables", tables, "--arch", "1,1"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("note: the tables file has a 'flops' table; flops are predicted from it, not counted from the space's blocks", r.Err);
    }

    /// <summary>Runs the tool in-process on its own thread: a hang becomes a failed result, not a stuck test run.</summary>
    // A hang detector, not a speed limit: the 30 s start when the run holds the in-process lock, so other tests' runs
    // (a tiny pipeline holds it for a minute on a busy machine) do not count.
    private static CliRunner.Result RunGuarded(string[] args) => CliRunner.RunGuarded(TimeSpan.FromSeconds(30), args);

    // ---------------------------------------------------------------- the real tool in child processes

    /// <summary>
    /// A sample of the fuzz corpus through the real executable: one line on stderr starting "error:", nothing on
    /// stdout, exit code 2, and an answer within a generous hang limit (no speed assertion).
    /// </summary>
    [Fact]
    public async Task A_sample_of_bad_inputs_through_the_tool_gives_one_line_and_exit_2()
    {
        string F(string name, string text) { var p = Path.Combine(_dir, name); File.WriteAllText(p, text); return p; }
        var deep = F("deep.yml", "ks: " + new string('[', 50_000) + new string(']', 50_000) + "\n");
        var deepMap = F("deepmap.yml", "a: " + string.Concat(Enumerable.Repeat("{a: ", 50_000)) + "1" + new string('}', 50_000) + "\n");
        var bomb = F("bomb.yml", string.Concat(Enumerable.Range(1, 30).Select(i => $"x{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n")).Insert(0, "x0: &a0 [{name: b, flops: 1}]\n") + "name: bomb\nnodes: [{name: n, blocks: *a30}]\n");
        var multi = F("multi.yml", "arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'\n---\narch: x\n");
        var space = F("nan.yml", "name: t\nfixed_params: -.inf\nnodes:\n- blocks: [{flops: 1}, {flops: 2}]\n");
        var unknown = F("unk.json", "{\"name\": \"t\", \"nodes\": [{\"blocks\": [{\"flops\": 1, \"latency\": 3}]}]}");
        var ctl = F("ctl.yml", "name: \"a\\e[2J\\a\"\nnodes:\n- blocks: [{flops: 1}]\n");
        string[][] cases =
        [
            ["config", "--space", "mobilenetv3", "--arch", deep],
            ["predict", "--space", "supervit", "--arch", deepMap],
            ["config", "--space", "supertransformer", "--arch", deep],
            ["config", "--space", "nasbench201", "--arch", multi],
            ["spaces", "--show", bomb],
            ["spaces", "--show", space],
            ["spaces", "--show", unknown],
            ["spaces", "--show", ctl],
            ["pareto", "--space", "ofa-mini", "--along", "latency:cpu", "--points", "2000000000"],
            ["search", "--space", "ofa-mini", "--max", "latency:cpu=1", "--time-limit", "NaN"],
            ["estimate", "--space", "nb201-mini", "--evaluator", "x", "--estimator", "sampled:2000000000", "--out", Path.Combine(_dir, "t.json")],
        ];
        var dll = Path.Combine(AppContext.BaseDirectory, "MathNas.Cli.dll");
        Assert.True(File.Exists(dll), $"the tool is not beside the tests: {dll}");
        foreach (var args in cases)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(dll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException)
            {
                p.Kill(true);
                Assert.Fail($"hung: mathnas {string.Join(' ', args)}");
            }
            var err = await se;
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            output.WriteLine($"{args[0]} {Path.GetFileName(args[^1])}: exit {p.ExitCode}: {err.Trim()}");
            Assert.True(p.ExitCode == 2, $"mathnas {string.Join(' ', args)}: exit {p.ExitCode}, stderr {err}");
            Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), $"mathnas {string.Join(' ', args)}: stderr '{err}'");
            Assert.DoesNotContain(lines[0], c => char.IsControl(c));
            Assert.Equal("", await so);
        }
    }
}
