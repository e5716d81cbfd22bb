using BenchmarkDotNet.Attributes;
using MathNas.Search;

namespace MathNas.Bench;

/// <summary>
/// The exact solver's hot path on the benchmark shapes of `mathnas bench` (synthetic tables, seeded).
/// Run: dotnet run -c Release --project bench/MathNas.Bench -- --filter '*SolverBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SolverBenchmarks
{
    private readonly BranchAndBoundSolver _bnb = new();
    private SearchProblem _nb201 = null!, _vit = null!, _vitRatio = null!, _transformer = null!, _syn50 = null!;
    private SearchProblem _vitFront = null!, _wholeFront = null!;
    private ResourceRow _vitLatency = null!;

    [GlobalSetup]
    public void Setup()
    {
        var all = SolverBenchmark.Instances(quick: true).ToList();
        SearchProblem Find(string name) => all.First(i => i.Name.StartsWith(name, StringComparison.Ordinal)).Problem;
        _nb201 = Find("nasbench201-sized");
        _vit = Find("supervit-sized (FLOPs");
        _vitRatio = Find("supervit-sized flops-scaled");
        _transformer = Find("supertransformer-sized");
        _syn50 = Find("synthetic-50x20");
        var front = all.First(i => i.Kind == "pareto");
        _wholeFront = all.First(i => i.Kind == "front" && i.Problem.Ratio is null && ParetoFront.CanMerge(i.Problem, SearchProblemBuilder.MetricRow(i.Space!, i.Tables!, i.Along!))).Problem;
        _vitFront = front.Problem;
        _vitLatency = SearchProblemBuilder.MetricRow(front.Space!, front.Tables!, front.Along!);
    }

    [Benchmark] public double NasBench201Sized() => _bnb.Solve(_nb201).Best!.Objective;
    [Benchmark] public double SuperViTSized() => _bnb.Solve(_vit).Best!.Objective;
    [Benchmark] public double SuperViTSizedFlopsScaled() => _bnb.Solve(_vitRatio).Best!.Objective;
    [Benchmark] public double SuperTransformerSized() => _bnb.Solve(_transformer).Best!.Objective;
    [Benchmark] public double Synthetic50x20() => _bnb.Solve(_syn50).Best!.Objective;
    [Benchmark] public int SuperViTFront100() => ParetoFront.AtBudgets(_bnb, _vitFront, _vitLatency, 100).Points.Count;
    [Benchmark] public int SuperViTFront100Solves() => ParetoFront.AtBudgets(_bnb, _vitFront, _vitLatency, 100, method: ParetoMethod.Solves).Points.Count;
    [Benchmark] public int SuperViTWholeFrontMerge() => ParetoFront.Exact(_bnb, _wholeFront, _vitLatency).Points.Count;
    [Benchmark] public int SuperViTWholeFrontSolves() => ParetoFront.Exact(_bnb, _wholeFront, _vitLatency, method: ParetoMethod.Solves).Points.Count;
    [Benchmark] public int SuperViTWholeFrontPlainNemhauserUllmann() => SolverBenchmark.PlainNemhauserUllmann(_wholeFront, _vitLatency).Values.Count;
}
