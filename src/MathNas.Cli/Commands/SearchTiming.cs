using System.Globalization;
using MathNas.Search;
using MathNas.Spaces;

namespace MathNas.Cli.Commands;

/// <summary>Helpers of `mathnas search`: the median of repeated in-process solves, and the comment header of written configs.</summary>
internal static class SearchTiming
{
    /// <summary>
    /// Median solve time (ms) over <paramref name="repeat"/> solves: the first result plus repeat - 1 more solves of
    /// the same problem. Proven answers must repeat (the solver is exact): a repeat that proves a different optimum or
    /// disagrees on infeasibility is an error; under a time limit unproven answers may differ between repeats.
    /// </summary>
    public static (double MedianMs, int Repeats) Median(int repeat, bool closedLoop, SearchResult first, Func<SearchResult> solve)
    {
        if (repeat < 1) throw new MathNasException("--repeat must be at least 1");
        if (repeat > 1 && closedLoop) throw new MathNasException("--repeat and --verify cannot be combined");
        var times = new List<double> { first.SolveMs };
        for (int r = 1; r < repeat; r++)
        {
            var again = solve();
            bool proven = first.Status is (SolveStatus.Optimal or SolveStatus.Infeasible) && again.Status is (SolveStatus.Optimal or SolveStatus.Infeasible);
            if (proven && (again.Status != first.Status || (again.Best?.Objective ?? double.NaN).CompareTo(first.Best?.Objective ?? double.NaN) != 0))
                throw new MathNasException($"repeated solve {r + 1} gave a different answer ({again.Status.Name()}, {again.Best?.Objective}) than the first ({first.Status.Name()}, {first.Best?.Objective})");
            times.Add(again.SolveMs);
        }
        times.Sort();
        int n = times.Count;
        double median = n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
        return (median, n);
    }

    /// <summary>The '#' header of a written native config: where it comes from and what is predicted for it.</summary>
    public static IEnumerable<string> Header(SearchSpace space, Architecture a, IReadOnlyDictionary<string, double> predicted, IEnumerable<string>? notes)
    {
        yield return $"mathnas search result; space: {space.Name}; code: {a}";
        foreach (var n in notes ?? []) yield return n;
        yield return "predicted: " + string.Join(", ", predicted.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={kv.Value.ToString("R", CultureInfo.InvariantCulture)}"));
    }
}
