using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MathNas.Audit;
using MathNas.Dynamic;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch;
using MathNas.Torch.Dynamic;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using MathNas.Torch.Training;
using ScottPlot;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas run`: the dynamic runtime (METHOD.md section 5) on a live TorchSharp network. Keeps the Pareto-optimal blocks
/// per node loaded (weights from a supernet), runs the network back to back, and when the median of the last W measured
/// latencies leaves the band, rescales the latency table, re-solves exactly and switches the nodes that changed; an
/// optional in-process load generator takes CPU away in steps. Prints re-solve and switch times, the block switch
/// against a whole rebuild, and per load step whether latency came back into the band.
/// </summary>
internal sealed class RunCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var space = CliEnv.SpaceOption();
        var tables = CliEnv.TablesOption();
        var band = new Option<string>("--band") { Description = "latency band LMIN:LMAX in ms", Required = true };
        var profile = new Option<string?>("--load-profile") { Description = "in-process CPU load: busy threads and duration per step, e.g. 0:5s,1:5s,2:5s,0:5s" };
        var duration = new Option<double?>("--duration") { Description = "seconds to run (default: the load profile's length, or 20)" };
        var maxBlocks = new Option<int>("--max-blocks", "-k") { Description = "at most K Pareto-optimal blocks loaded per node", DefaultValueFactory = _ => ParetoBlockSelection.DefaultMaxPerNode };
        var window = new Option<int>("--window") { Description = "runs in the moving median window", DefaultValueFactory = _ => 15 };
        var margin = new Option<double>("--target-margin") { Description = "re-solve target = LMAX - margin x (LMAX - LMIN)", DefaultValueFactory = _ => 0.35 };
        var plot = new Option<string?>("--plot") { Description = "write the timeline (latency, band, switches, load) as a PNG" };
        var supernet = new Option<string?>("--supernet") { Description = "trained supernet folder written by 'mathnas pipeline' (default: untrained weights; latency does not depend on them)" };
        var device = new Option<string>("--device") { Description = "device of the latency table (latency:DEVICE)", DefaultValueFactory = _ => "cpu" };
        var measure = new Option<bool>("--measure-latency") { Description = "measure the latency table now (Algorithm 1 over the TorchSharp latency evaluator) instead of reading it from --tables" };
        var threads = new Option<int>("--threads") { Description = "torch threads of the running network", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "images per inference (the latency table should be measured at the same batch: see --measure-latency)", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int>("--compare-repeats") { Description = "repeats of the block switch vs whole rebuild comparison", DefaultValueFactory = _ => 21 };
        var saveLatency = new Option<string?>("--save-latency") { Description = "with --measure-latency: also write the tables with the measured latency table to this file (reuse it with --tables)" };
        var solver = new Option<string>("--solver") { Description = "exact re-solve: bnb (the project's branch and bound) or dfs (the runtime's own depth-first search)", DefaultValueFactory = _ => "bnb" };
        var bounds = new Option<double>("--bound-seconds") { Description = "how long a network measured above (below) the band caps (floors) the table latency of the next choices; 0 = off", DefaultValueFactory = _ => 3 };
        var json = CliEnv.JsonOption();
        var cmd = new Command("run", "run a network that switches blocks at run time to keep its measured latency in a band (TorchSharp)")
        {
            space, tables, band, profile, duration, maxBlocks, window, margin, plot, supernet, device, measure, saveLatency, threads, batch, repeats, solver, bounds, json,
        };
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!) as TorchSearchSpace
                ?? throw new MathNasException($"space '{p.GetValue(space)}' has no TorchSharp network to run: use nb201-mini or ofa-mini");
            var (lmin, lmax) = ParseBand(p.GetValue(band)!);
            var set = env.ResolveTables(p.GetValue(tables), sp);
            var acc = set[MetricNames.Accuracy];
            var load = p.GetValue(profile) is { } prof ? LoadProfile.Parse(prof) : null;
            double seconds = p.GetValue(duration) ?? load?.Total.TotalSeconds ?? 20;
            if (!(seconds > 0) || seconds > 3600) throw new MathNasException($"--duration must be in (0, 3600] seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}");
            int k = p.GetValue(maxBlocks);
            if (k < 1) throw new MathNasException($"--max-blocks must be at least 1, not {k}");
            int nThreads = p.GetValue(threads);
            if (nThreads < 1) throw new MathNasException($"--threads must be positive, not {nThreads}");
            int nBatch = p.GetValue(batch);
            if (nBatch < 1 || nBatch > 4096) throw new MathNasException($"--batch must be in 1..4096, not {nBatch}");
            int nRepeats = p.GetValue(repeats);
            if (nRepeats < 3) throw new MathNasException($"--compare-repeats must be at least 3, not {nRepeats}");
            var options = new ControllerOptions { BandMin = lmin, BandMax = lmax, Window = p.GetValue(window), TargetMargin = p.GetValue(margin), BoundSeconds = p.GetValue(bounds) };
            RuntimeSolver solve = p.GetValue(solver)!.Trim().ToLowerInvariant() switch
            {
                "bnb" => RuntimeSearch.Solve,
                "dfs" => RuntimeSolvers.BranchAndBound,
                var name => throw new MathNasException($"unknown --solver '{name}': use bnb or dfs"),
            };
            options.Check();
            bool quiet = p.GetValue(json);
            void Log(string line) { if (!quiet) { env.Err.WriteLine(line); env.Err.Flush(); } }

            TorchRuntime.SetThreads(nThreads);
            var metric = MetricNames.Latency(p.GetValue(device)!);
            BlockTable lat;
            string latSource;
            if (p.GetValue(measure) || !set.Has(metric))
            {
                if (!p.GetValue(measure))
                    throw new MathNasException($"the tables have no '{metric}' table: pass --measure-latency to measure it now, or give tables with it");
                var sw = Stopwatch.StartNew();
                var ev = new StartupLatencyEvaluator(sp, new LatencyOptions { Device = p.GetValue(device)!, Threads = nThreads, Batch = nBatch, Warmup = 3, Repeats = 15 });
                lat = new MathNas.Estimation.SingleSampleEstimator().Estimate(sp, new CachingEvaluator(ev))[metric];
                if (p.GetValue(saveLatency) is { } save)
                {
                    var copy = new TableSet { Space = set.Space, Tables = new Dictionary<string, BlockTable>(set.Tables) };
                    copy.Add(lat);
                    copy.Save(save);
                }
                latSource = $"measured now with Algorithm 1 ({lat.Provenance.Evaluations} networks, min of 15 runs, batch {nBatch}, {sw.Elapsed.TotalSeconds:F1} s)";
            }
            else
            {
                lat = set[metric];
                if (lat.Unit is not ("ms" or "")) throw new MathNasException($"latency table '{metric}' is in '{lat.Unit}'; the runtime measures ms");
                latSource = $"from {p.GetValue(tables) ?? CliEnv.BuiltInTablesPath(sp.Name)}";
            }
            Log($"latency table {metric}: {latSource}");

            using var super = sp.CreateNetwork();
            if (p.GetValue(supernet) is { } dir) SupernetTrainer.Load(super, dir);
            super.eval();
            var loaded = ParetoBlockSelection.Select(acc, lat, k);
            var start = DynamicController.InitialArchitecture(acc, lat, loaded, options, solve);
            using var net = TorchRuntimeNetwork.Create(sp, super, loaded, start, nBatch, nThreads);
            var ctl = new DynamicController(net, acc, lat, loaded, options, solve);
            for (int i = 0; i < 20; i++) net.RunOnce();
            Log($"loaded blocks per node: {string.Join(" ", loaded.Select(b => b.Length))} ({net.LoadedParameterCount} parameters, supernet {super.ParameterCount()}); start network {start} ({sp.Describe(start)})");

            // Re-solve time in isolation: the controller's problem at 200 scales across the plausible range.
            var resolveBench = new List<double>();
            for (int r = 0; r < 200; r++)
            {
                double scale = 0.5 + 2.5 * r / 199.0;
                long t0 = Stopwatch.GetTimestamp();
                var prob = new RuntimeProblem(acc, lat, loaded, scale, options.Target);
                _ = solve(prob);
                resolveBench.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            // Block switch against whole rebuild, between the start network and the fastest loaded one (or the most different).
            var other = new RuntimeProblem(acc, lat, loaded, 1, options.Target).Fastest();
            if (other.Equals(start)) other = new Architecture(loaded.Select((b, i) => b.First(j => j != start[i] || b.Length == 1)));
            SwitchComparison? cmp = other.Equals(start) ? null : SwitchComparison.Measure(net, start, other, nRepeats);
            if (cmp is not null)
                Log($"block switch {start} <-> {other} ({cmp.ChangedNodes} nodes): median {cmp.SwitchMedianMs:F4} ms; whole rebuild median {cmp.RebuildMedianMs:F3} ms ({cmp.Speedup:F0}x)");

            Log($"running {seconds:F0} s, band [{lmin}, {lmax}] ms, target {options.Target:F3} ms, window {options.Window}{(load is null ? "" : $", load profile {load}")}");
            // Ctrl+C ends the run early (the load generator stops with it) and still reports what was recorded.
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            DynamicRunResult result;
            try
            {
                result = DynamicRunner.Run(ctl, TimeSpan.FromSeconds(seconds), load, cancel.Token,
                    s => { if (s.Action == ControllerAction.Switched) Log($"  t={s.TimeS:F2}s switched -> {net.Current} (median {s.MedianMs:F3} ms, scale {ctl.Scale:F3}, load {s.Load})"); });
            }
            finally { Console.CancelKeyPress -= onCancel; }
            if (p.GetValue(plot) is { } png) WriteTimeline(png, result, load, sp.Name);

            var steps = result.Steps.Select(s => new
            {
                step = s.Step, threads = s.Threads, start_s = s.StartS, end_s = s.EndS, in_band_at_end = s.InBandAtEnd,
                return_s = s.ReturnS, first_return_s = s.FirstReturnS, left_band = s.LeftBand, switches = s.Switches,
            }).ToList();
            if (quiet)
            {
                env.WriteJson(new
                {
                    space = sp.Name,
                    latency_table = latSource,
                    band = new[] { lmin, lmax },
                    target_ms = options.Target,
                    window = options.Window,
                    solver = p.GetValue(solver),
                    bound_seconds = options.BoundSeconds,
                    batch = nBatch,
                    threads = nThreads,
                    max_blocks = k,
                    loaded_blocks = loaded,
                    loaded_parameters = net.LoadedParameterCount,
                    supernet_parameters = super.ParameterCount(),
                    start = start.ToString(),
                    end = result.End.ToString(),
                    runs = result.Timeline.Count,
                    resolve_count = result.ResolveCount,
                    switch_count = result.SwitchCount,
                    resolve_median_ms = Nan(result.ResolveMedianMs),
                    resolve_bench_median_ms = Nan(Budgets.Median(resolveBench)),
                    switch_median_ms = Nan(result.SwitchMedianMs),
                    compare_switch_median_ms = cmp?.SwitchMedianMs,
                    rebuild_median_ms = cmp?.RebuildMedianMs,
                    switch_speedup = cmp?.Speedup,
                    compare_changed_nodes = cmp?.ChangedNodes,
                    compare_repeats = cmp?.Repeats,
                    all_steps_returned = load is null ? (bool?)null : result.AllStepsReturned,
                    load_stopped = result.LoadStoppedInTime,
                    steps,
                    events = result.Events.Select((e, i) => new
                    {
                        time_s = result.EventTimesS[i], median_ms = e.MedianMs, scale = e.Scale, resolve_ms = e.ResolveMs, switch_ms = e.SwitchMs,
                        from = e.From.ToString(), to = e.To.ToString(), changed_nodes = e.Changes.Select(c => c.Node).ToArray(), feasible = e.Feasible,
                        predicted_after_ms = e.PredictedAfterMs, target_ms = e.TargetMs,
                    }).ToList(),
                    plot = p.GetValue(plot),
                });
                return result.LoadStoppedInTime ? 0 : ExitCodes.Error;
            }
            var t = new Table().AddColumns("measure", "value");
            t.AddRow("runs / re-solves / switches", $"{result.Timeline.Count} / {result.ResolveCount} / {result.SwitchCount}");
            t.AddRow("re-solve median (live / 200 solves)", $"{Ms(result.ResolveMedianMs)} / {Ms(Budgets.Median(resolveBench))}");
            t.AddRow("switch median (live)", Ms(result.SwitchMedianMs));
            if (cmp is not null)
                t.AddRow($"switch vs rebuild ({cmp.ChangedNodes} nodes, {cmp.Repeats} repeats)", $"{Ms(cmp.SwitchMedianMs)} vs {Ms(cmp.RebuildMedianMs)} ({CliEnv.Num(cmp.Speedup, 0)}x)");
            t.AddRow("start -> end", Markup.Escape($"{start} -> {result.End}"));
            env.Console.Write(t);
            if (load is not null)
            {
                var st = new Table().AddColumns("step", "load threads", "from s", "to s", "left band", "in band at end", "first back s", "settled s", "switches");
                foreach (var s in result.Steps)
                    st.AddRow(s.Step.ToString(CultureInfo.InvariantCulture), s.Threads.ToString(CultureInfo.InvariantCulture), CliEnv.Num(s.StartS, 1), CliEnv.Num(s.EndS, 1),
                        s.LeftBand ? "yes" : "no", s.InBandAtEnd ? "yes" : "NO", s.FirstReturnS is { } fr ? CliEnv.Num(fr, 2) : "-",
                        s.ReturnS is { } rs ? CliEnv.Num(rs, 2) : "-", s.Switches.ToString(CultureInfo.InvariantCulture));
                env.Console.Write(st);
                env.Console.WriteLine(result.AllStepsReturned ? "every load step ended with latency inside the band" : "some load step ended with latency outside the band");
            }
            if (p.GetValue(plot) is { } pp) env.Console.WriteLine($"timeline: {pp}");
            return result.LoadStoppedInTime ? 0 : ExitCodes.Error;
        });
        return cmd;
    }

    private static double? Nan(double v) => double.IsNaN(v) ? null : v;
    private static string Ms(double v) => double.IsNaN(v) ? "-" : CliEnv.Num(v) + " ms";

    internal static (double Min, double Max) ParseBand(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2
            || !double.TryParse(parts[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var lo)
            || !double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var hi))
            throw new MathNasException($"--band '{text}' is not LMIN:LMAX in ms (e.g. 1.5:2.5)");
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || lo < 0 || hi <= lo)
            throw new MathNasException($"--band '{text}': need 0 <= LMIN < LMAX");
        return (lo, hi);
    }

    /// <summary>Timeline PNG: measured latency (dots), its rolling median, the band, switches (vertical lines) and the load level (right axis).</summary>
    internal static void WriteTimeline(string path, DynamicRunResult r, LoadProfile? load, string space)
    {
        var plt = new Plot();
        plt.Title($"mathnas run {space}: latency under load, band [{r.BandMin}, {r.BandMax}] ms, {r.SwitchCount} switches");
        plt.XLabel("time (s)");
        plt.YLabel("latency (ms)");
        var span = plt.Add.VerticalSpan(r.BandMin, r.BandMax);
        span.FillStyle.Color = Colors.Green.WithAlpha(0.12);
        span.LineStyle.Width = 0;
        span.LegendText = "band";
        var xs = r.Timeline.Select(s => s.TimeS).ToArray();
        var raw = plt.Add.ScatterPoints(xs, r.Timeline.Select(s => s.LatencyMs).ToArray());
        raw.MarkerSize = 2;
        raw.Color = Colors.Gray.WithAlpha(0.5);
        raw.LegendText = "measured run";
        var med = plt.Add.ScatterLine(xs, r.Timeline.Select(s => s.MedianMs).ToArray());
        med.LineWidth = 2;
        med.Color = Colors.Blue;
        med.LegendText = "moving median";
        var tgt = plt.Add.HorizontalLine(r.Target);
        tgt.LinePattern = LinePattern.Dotted;
        tgt.Color = Colors.DarkGreen;
        tgt.LegendText = "re-solve target";
        bool first = true;
        for (int i = 0; i < r.Events.Count; i++)
        {
            if (r.Events[i].Changes.Count == 0) continue;
            var v = plt.Add.VerticalLine(r.EventTimesS[i]);
            v.Color = Colors.Red.WithAlpha(0.7);
            v.LineWidth = 1.5f;
            v.LinePattern = LinePattern.Dashed;
            if (first) { v.LegendText = "block switch"; first = false; }
        }
        if (load is not null)
        {
            // the load level as a step line on the right axis
            var lx = new List<double>();
            var ly = new List<double>();
            for (int k = 0; k < load.Steps.Count; k++)
            {
                double s0 = load.StartOf(k).TotalSeconds, s1 = s0 + load.Steps[k].Duration.TotalSeconds;
                lx.Add(s0); ly.Add(load.Steps[k].Threads);
                lx.Add(s1); ly.Add(load.Steps[k].Threads);
            }
            var ls = plt.Add.ScatterLine(lx.ToArray(), ly.ToArray());
            ls.Axes.YAxis = plt.Axes.Right;
            ls.Color = Colors.Orange;
            ls.LineWidth = 2;
            ls.LegendText = "load (busy threads)";
            plt.Axes.Right.Label.Text = "busy load threads";
            plt.Axes.SetLimitsY(0, Math.Max(load.MaxThreads, 1) * 1.6, plt.Axes.Right);
        }
        double hi = Math.Max(r.BandMax * 1.6, r.Timeline.Count == 0 ? 1 : Quantile(r.Timeline.Select(s => s.LatencyMs), 0.98) * 1.1);
        plt.Axes.SetLimitsY(0, hi);
        plt.ShowLegend(Alignment.UpperLeft);
        MathNas.IO.AtomicFile.WriteAllBytes(path, plt.GetImageBytes(1200, 600, ImageFormat.Png));
    }

    private static double Quantile(IEnumerable<double> v, double q)
    {
        var s = v.Order().ToArray();
        return s[(int)Math.Min(s.Length - 1, Math.Round(q * (s.Length - 1)))];
    }
}
