using System.Diagnostics;
using MathNas.Audit;
using MathNas.Spaces;

namespace MathNas.Dynamic;

/// <summary>One run of the network on the timeline.</summary>
/// <param name="TimeS">Seconds from the start of the run.</param>
/// <param name="LatencyMs">Measured latency of this run.</param>
/// <param name="MedianMs">Median of the last W measured runs (a rolling view that, unlike the controller's window, is not reset by switches).</param>
/// <param name="Load">Busy load threads at this time.</param>
/// <param name="Action">What the controller did after this run.</param>
public sealed record TimelineSample(double TimeS, double LatencyMs, double MedianMs, int Load, ControllerAction Action);

/// <summary>How one load step ended: whether (and how fast) the latency was brought back into the band.</summary>
/// <param name="Step">Index in the load profile.</param>
/// <param name="Threads">Busy threads of the step.</param>
/// <param name="StartS">Step start (seconds from the run start).</param>
/// <param name="EndS">Step end.</param>
/// <param name="InBandAtEnd">The rolling median is inside the band at the end of the step (the measured check).</param>
/// <param name="ReturnS">Seconds from the step start to the last entry into the band after which it stayed inside until the step end
/// (0 when it never left); null when it was out of band at the end.</param>
/// <param name="Switches">Switches made during the step.</param>
/// <param name="LeftBand">The rolling median was outside the band at some time during the step.</param>
/// <param name="FirstReturnS">Seconds from the step start to the first time the median was back inside the band after
/// its first exit in the step (0 when it never left); null when it never came back during the step.</param>
public sealed record StepResult(int Step, int Threads, double StartS, double EndS, bool InBandAtEnd, double? ReturnS, int Switches, bool LeftBand,
    double? FirstReturnS = null);

/// <summary>Everything a dynamic run recorded.</summary>
public sealed class DynamicRunResult
{
    public required IReadOnlyList<TimelineSample> Timeline { get; init; }
    public required IReadOnlyList<ControllerEvent> Events { get; init; }
    /// <summary>Seconds from the run start of each re-solve (same order as <see cref="Events"/>).</summary>
    public required IReadOnlyList<double> EventTimesS { get; init; }
    public required IReadOnlyList<StepResult> Steps { get; init; }
    public required double BandMin { get; init; }
    public required double BandMax { get; init; }
    public required double Target { get; init; }
    public required Architecture Start { get; init; }
    public required Architecture End { get; init; }
    public bool LoadStoppedInTime { get; init; }

    public int SwitchCount => Events.Count(e => e.Changes.Count > 0);
    public int ResolveCount => Events.Count;
    public double ResolveMedianMs => Budgets.Median(Events.Select(e => e.ResolveMs));
    public double SwitchMedianMs => Budgets.Median(Events.Where(e => e.Changes.Count > 0).Select(e => e.SwitchMs));
    public bool AllStepsReturned => Steps.All(s => s.InBandAtEnd);
}

/// <summary>Runs the controller in a loop under a load profile and records the timeline.</summary>
public static class DynamicRunner
{
    /// <summary>
    /// Runs <paramref name="controller"/>'s network back to back for <paramref name="duration"/> while
    /// <paramref name="load"/> (optional) takes CPU away, feeding every measurement to the controller.
    /// The load generator is started here and always stopped before returning.
    /// </summary>
    public static DynamicRunResult Run(DynamicController controller, TimeSpan duration, LoadProfile? load = null,
        CancellationToken cancellation = default, Action<TimelineSample>? onSample = null)
    {
        if (duration <= TimeSpan.Zero) throw new MathNasException("the run duration must be positive");
        var start = controller.Network.Current;
        var samples = new List<TimelineSample>();
        var eventTimes = new List<double>();
        var rolling = new LatencyWindow(controller.Options.Window);
        int eventsBefore = controller.Events.Count;
        using var gen = load is null ? null : new LoadGenerator(load, cancellation);
        var t0 = Stopwatch.GetTimestamp();
        gen?.Start();
        while (!cancellation.IsCancellationRequested)
        {
            var (ms, action) = controller.Step();
            double t = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            rolling.Add(ms);
            var s = new TimelineSample(t, ms, rolling.Median(), gen?.Level ?? 0, action);
            samples.Add(s);
            if (controller.Events.Count > eventsBefore + eventTimes.Count) eventTimes.Add(t);
            onSample?.Invoke(s);
            if (t >= duration.TotalSeconds) break;
        }
        bool stopped = true;
        if (gen is not null)
        {
            gen.Cancel();
            stopped = gen.Wait(TimeSpan.FromSeconds(5));
        }
        var events = controller.Events.Skip(eventsBefore).ToList();
        return new DynamicRunResult
        {
            Timeline = samples,
            Events = events,
            EventTimesS = eventTimes,
            Steps = load is null ? [] : AnalyzeSteps(samples, load, controller.Options.BandMin, controller.Options.BandMax),
            BandMin = controller.Options.BandMin,
            BandMax = controller.Options.BandMax,
            Target = controller.Options.Target,
            Start = start,
            End = controller.Network.Current,
            LoadStoppedInTime = stopped,
        };
    }

    /// <summary>Per load step: was the rolling median inside the band at the step's end, and since when.
    /// Steps the run did not reach to their end are left out.</summary>
    public static IReadOnlyList<StepResult> AnalyzeSteps(IReadOnlyList<TimelineSample> samples, LoadProfile profile, double bandMin, double bandMax)
    {
        var results = new List<StepResult>();
        if (samples.Count == 0) return results;
        double last = samples[^1].TimeS;
        for (int k = 0; k < profile.Steps.Count; k++)
        {
            double s0 = profile.StartOf(k).TotalSeconds, s1 = s0 + profile.Steps[k].Duration.TotalSeconds;
            if (s1 > last + 1e-9) break;
            var inStep = samples.Where(x => x.TimeS >= s0 && x.TimeS < s1).ToList();
            if (inStep.Count == 0) { results.Add(new StepResult(k, profile.Steps[k].Threads, s0, s1, false, null, 0, false)); continue; }
            bool In(TimelineSample x) => x.MedianMs >= bandMin && x.MedianMs <= bandMax;
            bool atEnd = In(inStep[^1]);
            bool left = inStep.Any(x => !In(x));
            double? ret = null;
            if (atEnd)
            {
                int firstOfLastRun = inStep.Count - 1;
                while (firstOfLastRun > 0 && In(inStep[firstOfLastRun - 1])) firstOfLastRun--;
                ret = firstOfLastRun == 0 ? 0 : inStep[firstOfLastRun].TimeS - s0;
            }
            int switches = inStep.Count(x => x.Action == ControllerAction.Switched);
            double? first = 0;
            int exit = inStep.FindIndex(x => !In(x));
            if (exit >= 0)
            {
                int back = inStep.FindIndex(exit, In);
                first = back < 0 ? null : inStep[back].TimeS - s0;
            }
            results.Add(new StepResult(k, profile.Steps[k].Threads, s0, s1, atEnd, ret, switches, left, first));
        }
        return results;
    }
}

/// <summary>Block-level switch against a whole-network rebuild, timed on the same network.</summary>
public sealed record SwitchComparison(double SwitchMedianMs, double RebuildMedianMs, int Repeats, int ChangedNodes)
{
    /// <summary>How many times faster the block switch is.</summary>
    public double Speedup => SwitchMedianMs > 0 ? RebuildMedianMs / SwitchMedianMs : double.PositiveInfinity;

    /// <summary>
    /// Alternates the network between <paramref name="a"/> and <paramref name="b"/> <paramref name="repeats"/> times by
    /// a block switch (only the nodes that differ), and as many times by a whole rebuild; one inference after each so
    /// every network is really usable. Returns the median time of each (the inference is not counted). The network is
    /// left running <paramref name="a"/>, switched in place.
    /// </summary>
    public static SwitchComparison Measure(IRuntimeNetwork net, Architecture a, Architecture b, int repeats = 15)
    {
        if (repeats < 1) throw new MathNasException("the switch/rebuild comparison needs at least 1 repeat");
        if (a.Equals(b)) throw new MathNasException("the switch/rebuild comparison needs two different architectures");
        var switchMs = new List<double>();
        var rebuildMs = new List<double>();
        // Start from a in block mode.
        if (!net.Current.Equals(a)) net.Switch(BlockChanges.Between(net.Current, a));
        net.RunOnce();
        for (int r = 0; r < repeats; r++)
        {
            var target = r % 2 == 0 ? b : a;
            var ch = BlockChanges.Between(net.Current, target);
            long t = Stopwatch.GetTimestamp();
            net.Switch(ch);
            switchMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            net.RunOnce();
        }
        for (int r = 0; r < repeats; r++)
        {
            var target = r % 2 == 0 ? b : a;
            long t = Stopwatch.GetTimestamp();
            net.Rebuild(target);
            rebuildMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            net.RunOnce();
        }
        if (!net.Current.Equals(a)) net.Switch(BlockChanges.Between(net.Current, a));
        net.RunOnce();
        return new SwitchComparison(Budgets.Median(switchMs), Budgets.Median(rebuildMs), repeats, BlockChanges.Between(a, b).Count);
    }
}
