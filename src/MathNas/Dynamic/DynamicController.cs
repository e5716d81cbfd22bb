using System.Diagnostics;
using System.Globalization;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Dynamic;

/// <summary>Settings of the runtime controller.</summary>
public sealed record ControllerOptions
{
    /// <summary>Lower end of the latency band (ms).</summary>
    public required double BandMin { get; init; }
    /// <summary>Upper end of the latency band (ms).</summary>
    public required double BandMax { get; init; }
    /// <summary>Runs in the moving window whose median is compared with the band.</summary>
    public int Window { get; init; } = 15;
    /// <summary>Where the re-solve aims, as a fraction of the band from its top: target = BandMax - TargetMargin * (BandMax - BandMin).</summary>
    public double TargetMargin { get; init; } = 0.35;
    /// <summary>
    /// Hysteresis: a band exit whose rescale factor is within this relative distance of the factor used at the last
    /// re-solve, with the same network running, gives the same answer and is not re-solved again.
    /// </summary>
    public double RescaleTolerance { get; init; } = 0.03;

    /// <summary>
    /// Hysteresis against model error: what was measured bounds what the table may propose. A network whose median was
    /// above the band sets a ceiling, one whose median was below it a floor, on the (unscaled) table latency of the
    /// networks the next re-solves may choose, for this many seconds. A table that ranks networks wrongly then cannot make
    /// the controller alternate between them: every exit narrows the interval, as in a bisection, and when it is empty the
    /// controller stays on the safe side (the network below the band, or the fastest one). A newer bound that contradicts
    /// an older one replaces it (load changes). 0 turns it off.
    /// </summary>
    public double BoundSeconds { get; init; } = 3.0;

    public double Target => BandMax - TargetMargin * (BandMax - BandMin);

    public void Check()
    {
        if (!double.IsFinite(BandMin) || !double.IsFinite(BandMax) || BandMin < 0 || BandMax <= BandMin)
            throw new MathNasException($"latency band must be 0 <= LMIN < LMAX, not {Fmt(BandMin)}:{Fmt(BandMax)}");
        if (Window < 1) throw new MathNasException($"the latency window needs at least 1 run, not {Window}");
        if (!(TargetMargin >= 0 && TargetMargin < 1)) throw new MathNasException($"target margin must be in [0, 1), not {Fmt(TargetMargin)}");
        if (!(BoundSeconds >= 0) || !double.IsFinite(BoundSeconds)) throw new MathNasException($"bound seconds must be 0 or more, not {Fmt(BoundSeconds)}");
        if (!(RescaleTolerance >= 0)) throw new MathNasException($"rescale tolerance must be 0 or more, not {Fmt(RescaleTolerance)}");
    }

    internal static string Fmt(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>What the controller did after one run.</summary>
public enum ControllerAction
{
    /// <summary>Nothing: window not full yet, or median inside the band.</summary>
    None,
    /// <summary>Out of band, but the rescale factor is where it was at the last re-solve with this network: same answer, skipped.</summary>
    Held,
    /// <summary>Re-solved; the best network is the one running.</summary>
    Kept,
    /// <summary>Re-solved and switched the nodes whose block changed.</summary>
    Switched,
}

/// <summary>One re-solve: when, why, what it cost and what changed.</summary>
public sealed record ControllerEvent(
    long Run,
    double MedianMs,
    double PredictedMs,
    double Scale,
    double ResolveMs,
    double SwitchMs,
    Architecture From,
    Architecture To,
    IReadOnlyList<BlockChange> Changes,
    bool Feasible,
    double PredictedAfterMs,
    double TargetMs);

/// <summary>
/// The runtime controller of METHOD.md section 5. It keeps the latency table and the loaded blocks, watches the median
/// of the last W measured runs, and when that median leaves [BandMin, BandMax]:
/// rescales the latency table by measured / predicted for the running network (base and deltas alike, as the reference
/// project's dynamic mode does: scale = median / Lat_table(current)), re-solves exactly (max predicted accuracy subject
/// to scale * Lat_table(N) &lt;= target, over the loaded blocks) and switches only the nodes whose block changed.
/// Hysteresis: after every re-solve the window starts empty, so the next decision rests on W runs of the network then
/// running, and an exit whose scale equals the last re-solve's (within <see cref="ControllerOptions.RescaleTolerance"/>)
/// with the same network is not re-solved again (nor, after a re-solve that kept the network, an exit on the same side
/// with a larger scale, which cannot change the answer); and measured networks bound the table latency of the networks
/// chosen in the next <see cref="ControllerOptions.BoundSeconds"/> seconds (above the band: a ceiling, below: a floor).
/// If no loaded network meets the target, it runs the fastest one above the band and keeps the running one below it.
/// </summary>
public sealed class DynamicController
{
    private readonly RuntimeSolver _solve;
    private double _lastScale = double.NaN;
    private Architecture? _lastResolvedFor;
    private bool _lastKept;
    private bool _lastAbove;
    private (double? Floor, double? Ceiling) _lastBounds;
    private long _runs;
    private readonly List<(double TableMs, long When)> _tooSlow = [];
    private readonly List<(double TableMs, long When)> _tooFast = [];

    public DynamicController(IRuntimeNetwork network, BlockTable accuracy, BlockTable latency, int[][] loadedBlocks,
        ControllerOptions options, RuntimeSolver? solver = null)
    {
        options.Check();
        if (accuracy.Kind != MetricKind.Accuracy) throw new MathNasException($"'{accuracy.Metric}' is not an accuracy table");
        if (!latency.Metric.StartsWith("latency:", StringComparison.Ordinal)) throw new MathNasException($"'{latency.Metric}' is not a latency table");
        Network = network;
        Accuracy = accuracy;
        Latency = latency;
        LoadedBlocks = loadedBlocks;
        Options = options;
        _solve = solver ?? RuntimeSolvers.BranchAndBound;
        Window = new LatencyWindow(options.Window);
        double fastest = latency.PredictAdditive(Problem(1).Fastest());
        if (!(fastest > 0))
            throw new MathNasException($"the latency table predicts {ControllerOptions.Fmt(fastest)} ms for the fastest loaded network; a table that predicts no positive latency cannot be rescaled by measurements (is the latency of this space additive?)");
        var cur = network.Current;
        for (int i = 0; i < loadedBlocks.Length; i++)
            if (i >= cur.Count || !loadedBlocks[i].Contains(cur[i]))
                throw new MathNasException($"the running network uses block {(i < cur.Count ? cur[i] : -1)} at node {i}, which is not loaded");
    }

    public IRuntimeNetwork Network { get; }
    public BlockTable Accuracy { get; }
    public BlockTable Latency { get; }
    public int[][] LoadedBlocks { get; }
    public ControllerOptions Options { get; }
    public LatencyWindow Window { get; }
    /// <summary>Current rescale factor of the latency table (1 = as measured when the table was made).</summary>
    public double Scale { get; private set; } = 1;
    public List<ControllerEvent> Events { get; } = [];
    public long Runs => _runs;

    /// <summary>The problem the controller would solve now at a given scale: table latency in (floor, min(target / scale, ceiling)).</summary>
    public RuntimeProblem Problem(double scale)
    {
        var (floor, ceiling) = Bounds();
        double target = Options.Target;
        // Strictly below the ceiling / above the floor under the one feasibility rule (Feasibility.IsMet).
        if (ceiling is { } c) target = Math.Min(target, Feasibility.StrictlyBelow(scale * c));
        double? lower = floor is { } f ? -Feasibility.StrictlyBelow(-scale * f) : null;
        return new RuntimeProblem(Accuracy, Latency, LoadedBlocks, scale, target, lower);
    }

    /// <summary>
    /// The measured bounds on the table latency: the largest table latency of the networks measured below the band
    /// (floor) and the least of those measured above it (ceiling), within the last <see cref="ControllerOptions.BoundSeconds"/> seconds.
    /// </summary>
    public (double? Floor, double? Ceiling) Bounds()
    {
        long now = Stopwatch.GetTimestamp();
        long horizon = (long)(Options.BoundSeconds * Stopwatch.Frequency);
        _tooSlow.RemoveAll(x => now - x.When >= horizon);
        _tooFast.RemoveAll(x => now - x.When >= horizon);
        double? c = _tooSlow.Count == 0 ? null : _tooSlow.Min(x => x.TableMs);
        double? f = _tooFast.Count == 0 ? null : _tooFast.Max(x => x.TableMs);
        return (f, c);
    }

    private void AddBound(bool above, double table)
    {
        if (Options.BoundSeconds <= 0) return;
        long now = Stopwatch.GetTimestamp();
        if (above)
        {
            _tooFast.RemoveAll(x => x.TableMs >= table); // a newer measurement contradicts them: the load went up
            _tooSlow.Add((table, now));
        }
        else
        {
            _tooSlow.RemoveAll(x => x.TableMs <= table); // the load went down
            _tooFast.Add((table, now));
        }
    }

    /// <summary>The best loaded network for the unscaled table (the start network), or the fastest one when none meets the target.</summary>
    public static Architecture InitialArchitecture(BlockTable accuracy, BlockTable latency, int[][] loadedBlocks, ControllerOptions options, RuntimeSolver? solver = null)
    {
        var p = new RuntimeProblem(accuracy, latency, loadedBlocks, 1, options.Target);
        return (solver ?? RuntimeSolvers.BranchAndBound)(p) ?? p.Fastest();
    }

    /// <summary>Runs the network once, feeds the measurement in, and acts on it. Returns the measured ms and the action.</summary>
    public (double Ms, ControllerAction Action) Step()
    {
        var ms = Network.RunOnce();
        return (ms, Observe(ms));
    }

    /// <summary>Feeds one measured latency of the running network and acts when the window median leaves the band.</summary>
    public ControllerAction Observe(double ms)
    {
        _runs++;
        Window.Add(ms);
        if (!Window.IsFull) return ControllerAction.None;
        double median = Window.Median();
        if (median >= Options.BandMin && median <= Options.BandMax) return ControllerAction.None;

        var current = Network.Current;
        double table = Latency.PredictAdditive(current);
        if (!(table > 0)) throw new MathNasException($"the latency table predicts {ControllerOptions.Fmt(table)} ms for the running network; cannot rescale by it");
        double scale = median / table;
        bool above = median > Options.BandMax;
        AddBound(above, table);
        var bounds = Bounds();
        if (current.Equals(_lastResolvedFor) && bounds == _lastBounds && (Math.Abs(scale / _lastScale - 1) <= Options.RescaleTolerance
            // The last re-solve kept this network on the same side of the band. A larger scale only removes networks from
            // the feasible set: below the band the running network stays feasible (its rescaled prediction is the
            // median, under the target) and so stays optimal; above it, it stays the fastest fallback. Same answer.
            || (_lastKept && above == _lastAbove && scale >= _lastScale * (1 - Options.RescaleTolerance))))
        {
            Window.Clear();
            return ControllerAction.Held;
        }

        long t0 = Stopwatch.GetTimestamp();
        var problem = Problem(scale);
        var best = _solve(problem);
        bool feasible = best is not null;
        // Nothing between the bounds (or nothing meets the target): above the band run the fastest network, below it stay.
        best ??= above ? problem.Fastest() : current;
        double resolveMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        var changes = BlockChanges.Between(current, best);
        double switchMs = 0;
        if (changes.Count > 0)
        {
            long t1 = Stopwatch.GetTimestamp();
            Network.Switch(changes);
            switchMs = Stopwatch.GetElapsedTime(t1).TotalMilliseconds;
            if (!Network.Current.Equals(best))
                throw new MathNasException($"the network reports {Network.Current} after switching to {best}");
        }
        double predictedBefore = Scale * table;
        Scale = scale;
        _lastScale = scale;
        _lastResolvedFor = best;
        _lastKept = changes.Count == 0;
        _lastAbove = above;
        _lastBounds = bounds;
        Events.Add(new ControllerEvent(_runs, median, predictedBefore, scale, resolveMs, switchMs, current, best, changes, feasible,
            problem.PredictLatency(best), problem.Target));
        Window.Clear();
        return changes.Count > 0 ? ControllerAction.Switched : ControllerAction.Kept;
    }
}
