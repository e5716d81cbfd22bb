using MathNas.Search;

namespace MathNas.Tests.Search;

public class BranchAndBoundTests
{
    private static readonly BranchAndBoundSolver Bnb = new();

    public static IEnumerable<object[]> Cases()
    {
        int seed = 1;
        foreach (var ratio in new[] { false, true })
            foreach (var budgets in new[] { 0, 1, 2, 3 })
                foreach (var cons in new[] { false, true })
                    foreach (var ties in new[] { false, true })
                        yield return [seed++, ratio, budgets, cons, ties];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesBruteForce(int seed, bool ratio, int budgets, bool consistency, bool ties)
    {
        int infeasible = 0, checkedCases = 0;
        for (int rep = 0; rep < 25; rep++)
        {
            var p = RandomProblems.Make(seed * 1000 + rep, m: 2 + rep % 5, maxN: 5, budgets, consistency, ratio, ties, tightness: rep % 4 == 0 ? 0.15 : 0.6);
            var brute = RandomProblems.Brute(p);
            int k = 1 + rep % 4;
            var r = Bnb.Solve(p, new SolveOptions { TopK = k });
            checkedCases++;
            if (brute.Count == 0)
            {
                infeasible++;
                Assert.Equal(SolveStatus.Infeasible, r.Status);
                Assert.Empty(r.Solutions);
                Assert.NotNull(r.Infeasibility);
                continue;
            }
            Assert.Equal(SolveStatus.Optimal, r.Status);
            Assert.Equal(Math.Min(k, brute.Count), r.Solutions.Count);
            for (int t = 0; t < r.Solutions.Count; t++)
            {
                Assert.Equal(brute[t].Obj, r.Solutions[t].Objective, 9);
                Assert.True(p.IsFeasible(r.Solutions[t].Code));
                if (!ratio) Assert.Equal(brute[t].Code, r.Solutions[t].Code); // deterministic tie-breaking
            }
            Assert.Equal(r.Solutions.Count, r.Solutions.Select(s => string.Join(",", s.Code)).Distinct().Count());
            Assert.Equal(0, r.Gap, 12);
        }
        Assert.True(checkedCases == 25);
    }

    [Fact]
    public void LargerProblemsMatchBruteForceWithoutPruningTricks()
    {
        for (int seed = 0; seed < 12; seed++)
        {
            var p = RandomProblems.Make(500 + seed, m: 7, maxN: 6, budgets: 2, consistency: seed % 2 == 0, ratio: seed % 3 == 0);
            var brute = RandomProblems.Brute(p);
            var r = Bnb.Solve(p, new SolveOptions { TopK = 5 });
            var r2 = Bnb.Solve(p, new SolveOptions { TopK = 5, PruneDominated = false });
            Assert.Equal(Math.Min(5, brute.Count), r.Solutions.Count);
            for (int t = 0; t < r.Solutions.Count; t++)
            {
                Assert.Equal(brute[t].Obj, r.Solutions[t].Objective, 9);
                Assert.Equal(brute[t].Obj, r2.Solutions[t].Objective, 9);
            }
        }
    }

    [Fact]
    public void ExcludedNetworksAreNeverReturned()
    {
        var p = RandomProblems.Make(77, m: 5, maxN: 4, budgets: 1, consistency: false, ratio: false, tightness: 0.9);
        var brute = RandomProblems.Brute(p);
        var q = p.WithExcluded([brute[0].Code, brute[2].Code]);
        var r = Bnb.Solve(q, new SolveOptions { TopK = 3 });
        Assert.Equal(brute[1].Code, r.Solutions[0].Code);
        Assert.Equal(brute[3].Code, r.Solutions[1].Code);
        Assert.Equal(brute[4].Code, r.Solutions[2].Code);
    }
}

public class ParetoBlocksTests
{
    [Fact]
    public void PrunedProblemHasTheSameTopK()
    {
        var bnb = new BranchAndBoundSolver();
        int dropped = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            int k = 1 + seed % 3;
            var p = RandomProblems.Make(6000 + seed, m: 4, maxN: 7, budgets: 1 + seed % 2, consistency: seed % 4 == 0, ratio: seed % 5 == 0, tightness: 0.7);
            var (reduced, map) = ParetoBlocks.Prune(p, k);
            dropped += p.Counts.Sum() - reduced.Counts.Sum();
            var brute = RandomProblems.Brute(p);
            var r = bnb.Solve(reduced, new SolveOptions { TopK = k, PruneDominated = false });
            Assert.Equal(Math.Min(k, brute.Count), r.Solutions.Count);
            for (int t = 0; t < r.Solutions.Count; t++)
            {
                var code = ParetoBlocks.Expand(r.Solutions[t].Code, map);
                Assert.Equal(brute[t].Obj, p.Objective(code), 9);
                Assert.True(p.IsFeasible(code));
            }
        }
        Assert.True(dropped > 0, "some blocks should be dominated in random instances");
    }
}
