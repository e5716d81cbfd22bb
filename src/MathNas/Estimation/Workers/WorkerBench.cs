using System.Diagnostics;
using MathNas.Spaces;

namespace MathNas.Estimation.Workers;

/// <summary>Round-trip time of the worker protocol: what the tool adds per evaluation with a worker that does no work.</summary>
public static class WorkerBench
{
    public sealed record Result(string Command, int Evaluations, double MedianMs, double P90Ms, double MinMs, double BatchMsPerEvaluation);

    /// <summary>
    /// Starts the worker, warms it up, then times <paramref name="evaluations"/> one-network requests one after the
    /// other (median, 90th percentile, minimum: request written to response checked), and one batch of as many networks
    /// (wall time per network).
    /// </summary>
    public static Result Measure(string command, int evaluations = 2000, string? workingDirectory = null)
    {
        if (evaluations < 10) throw new MathNasException("the round-trip benchmark needs at least 10 evaluations");
        var nodes = Enumerable.Range(0, 6).Select(i => new Node($"n{i}", Enumerable.Range(0, 5).Select(j => new Block($"b{j}", j, j)).ToList())).ToList();
        var space = new SearchSpace("roundtrip-bench", nodes);
        using var ev = new ProcessEvaluator(command, space, new ProcessEvaluatorOptions { Workers = 1, WorkingDirectory = workingDirectory, Restarts = 0 });
        var rng = new Random(1);
        var nets = Enumerable.Range(0, evaluations).Select(_ => space.Sample(rng)).ToList();
        for (int i = 0; i < Math.Min(200, evaluations); i++) ev.Evaluate(nets[i]);
        var times = new double[evaluations];
        for (int i = 0; i < evaluations; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ev.Evaluate(nets[i]);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        long b0 = Stopwatch.GetTimestamp();
        Evaluators.Run(ev.EvaluateAsync(nets));
        double batch = Stopwatch.GetElapsedTime(b0).TotalMilliseconds / evaluations;
        Array.Sort(times);
        return new Result(command, evaluations, times[evaluations / 2], times[(int)(evaluations * 0.9)], times[0], batch);
    }
}
