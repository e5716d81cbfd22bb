using System.Diagnostics;
using MathNet.Numerics.Statistics;

namespace MathNas.Search;

/// <summary>What one run of a benchmarked solver answers: its status and the values compared across solvers (an objective, or the objectives of a front).</summary>
public sealed record BenchAnswer(string Status, IReadOnlyList<double> Values)
{
    public static BenchAnswer Of(SearchResult r) => new(r.Status.Name(), r.Best is null ? [] : [r.Best.Objective]);

    public static BenchAnswer Of(ParetoResult r) => new(r.AllOptimal ? "optimal" : "feasible", r.Points.Select(p => p.Objective).ToList());

    /// <summary>True when both hold the same number of values, each equal within 1e-6 (relative above 1).</summary>
    public bool SameValues(BenchAnswer other) =>
        Values.Count == other.Values.Count && Values.Zip(other.Values).All(z => Math.Abs(z.First - z.Second) <= 1e-6 * Math.Max(1, Math.Abs(z.First)));
}

/// <summary>A named solver of one benchmark instance: a delegate that solves it once.</summary>
public sealed record BenchSolver(string Name, Func<BenchAnswer> Run);

/// <summary>
/// How long to measure: rounds go on until at least <see cref="MinRounds"/> are done and <see cref="Seconds"/> have
/// passed (at most <see cref="MaxRounds"/>). In a round each solver runs a batch of calls sized at warm-up so that a
/// batch takes about <see cref="TargetBatchMs"/> (one call when a call is slower); a round gives one sample per solver
/// (the batch's time per call).
/// </summary>
public sealed record BenchSettings(double Seconds, int MinRounds, int MaxRounds, double TargetBatchMs = 2)
{
    public static BenchSettings For(bool quick) => quick ? new BenchSettings(0.3, 3, 25) : new BenchSettings(2.0, 7, 101);
}

/// <summary>One solver's times over the interleaved rounds (milliseconds per call) and its answer.</summary>
public sealed record BenchTiming(
    string Solver, int Rounds, int CallsPerRound, double MedianMs, double MinMs, double MaxMs, double Q1Ms, double Q3Ms, BenchAnswer Answer)
{
    /// <summary>Whether the answer's values equal the first solver's (null for the first solver itself).</summary>
    public bool? Agree { get; init; }
}

/// <summary>
/// Interleaved timing of several solvers of one instance: after a warm-up of each (A B C), rounds of A B C A B C ...,
/// so that a change of machine load moves every solver alike; the median and the spread (min, max, quartiles) of each.
/// </summary>
public static class BenchHarness
{
    public static List<BenchTiming> Interleave(IReadOnlyList<BenchSolver> solvers, BenchSettings settings)
    {
        if (solvers.Count == 0) throw new ArgumentException("no solver to measure", nameof(solvers));
        int n = solvers.Count;
        var answers = new BenchAnswer[n];
        var calls = new int[n];
        // Warm-up (JIT, caches) and batch size: unless the first call was slow, the least of three more calls (the first
        // one compiles and, on a busy machine, may be delayed).
        for (int s = 0; s < n; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            answers[s] = solvers[s].Run();
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (ms < 50 * settings.TargetBatchMs)
            {
                for (int c = 0; c < 3; c++)
                {
                    t0 = Stopwatch.GetTimestamp();
                    answers[s] = solvers[s].Run();
                    ms = Math.Min(ms, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
            }
            calls[s] = ms >= settings.TargetBatchMs ? 1 : (int)Math.Clamp(Math.Ceiling(settings.TargetBatchMs / Math.Max(ms, 1e-4)), 1, 100_000);
        }
        var samples = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
        var sw = Stopwatch.StartNew();
        int rounds = 0;
        while (rounds < settings.MinRounds || (sw.Elapsed.TotalSeconds < settings.Seconds && rounds < settings.MaxRounds))
        {
            for (int s = 0; s < n; s++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int c = 0; c < calls[s]; c++) answers[s] = solvers[s].Run();
                samples[s].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / calls[s]);
            }
            rounds++;
        }
        var list = new List<BenchTiming>(n);
        for (int s = 0; s < n; s++)
        {
            var x = samples[s].ToArray();
            list.Add(new BenchTiming(solvers[s].Name, rounds, calls[s], Statistics.Median(x), x.Min(), x.Max(),
                Statistics.QuantileCustom(x, 0.25, QuantileDefinition.R7), Statistics.QuantileCustom(x, 0.75, QuantileDefinition.R7), answers[s])
            {
                Agree = s == 0 ? null : answers[s].SameValues(answers[0]),
            });
        }
        return list;
    }
}
