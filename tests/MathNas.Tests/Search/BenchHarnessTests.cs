using MathNas.Search;

namespace MathNas.Tests.Search;

/// <summary>The interleaving bench harness and the bench's front instances.</summary>
public class BenchHarnessTests
{
    [Fact]
    public void SolversRunInterleavedRoundsAndDisagreementIsReported()
    {
        var calls = new List<string>();
        BenchSolver S(string name, double value, int spinMs) => new(name, () =>
        {
            calls.Add(name);
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            while (System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds < spinMs) { }
            return new BenchAnswer("optimal", [value]);
        });
        // Each call takes at least the batch target, so one call a round: the order must be A B C A B C ...
        var r = BenchHarness.Interleave([S("A", 1, 3), S("B", 1, 3), S("C", 2, 3)], new BenchSettings(0, 4, 4, TargetBatchMs: 2));
        // Warm-up: each solver in turn, once, and three more calls for the batch size unless the first was slow (a
        // busy machine can make it so); then 4 rounds of one call each.
        Assert.True(calls.Count >= 15);
        var warm = calls.Take(calls.Count - 12).ToList();
        foreach (var name in new[] { "A", "B", "C" }) Assert.Contains(warm.Count(x => x == name), new[] { 1, 4 });
        Assert.Equal(warm.OrderBy(x => x, StringComparer.Ordinal), warm);
        var rounds = calls.Skip(warm.Count).ToList();
        for (int k = 0; k < rounds.Count; k++) Assert.Equal("ABC"[k % 3].ToString(), rounds[k]);
        Assert.All(r, x => Assert.Equal(4, x.Rounds));
        Assert.All(r, x => Assert.True(x.MinMs <= x.Q1Ms && x.Q1Ms <= x.MedianMs && x.MedianMs <= x.Q3Ms && x.Q3Ms <= x.MaxMs));
        Assert.All(r, x => Assert.True(x.MinMs >= 3));
        Assert.Null(r[0].Agree);
        Assert.True(r[1].Agree);
        Assert.False(r[2].Agree);
    }

    [Fact]
    public void FrontInstancesAgreeAcrossTheirSolvers()
    {
        foreach (var inst in SolverBenchmark.Instances(quick: true).Where(i => i.Kind is "pareto" or "front"))
        {
            var (solvers, baseline) = SolverBenchmark.SolversFor(inst, quick: true, withBaseline: false);
            var first = solvers[0].Run();
            Assert.Equal("optimal", first.Status);
            foreach (var s in solvers.Skip(1))
            {
                var a = s.Run();
                Assert.True(a.SameValues(first), $"{inst.Name}: {s.Name} answers {a.Values.Count} values, {solvers[0].Name} {first.Values.Count}");
            }
            if (inst.Problem.Space!.Constraints.Count == 0) Assert.Equal(SolverBenchmark.NemhauserUllmannName, baseline);
        }
    }
}
