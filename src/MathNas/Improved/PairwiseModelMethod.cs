using MathNas.Audit;
using MathNas.Spaces;
using MathNas.Strategies;

namespace MathNas.Improved;

/// <summary>Choices of the improved method (each can be switched off to measure what it brings).</summary>
public sealed record ImprovedOptions
{
    /// <summary>Pairwise block terms in both models (false: additive block tables fitted by ridge).</summary>
    public bool Pairwise { get; init; } = true;
    /// <summary>Use the cell graph: exclude cells cut off from the input, fit accuracy on canonical cells (dead edges as none).</summary>
    public bool Structure { get; init; } = true;
    /// <summary>Fraction of the evaluations spent on the stratified initial sample (the rest verifies predicted optima).</summary>
    public double InitialFraction { get; init; } = 0.3;
    /// <summary>Budget margin in units of the latency model's leave-one-out RMSE (open-loop answers only).</summary>
    public double MarginSigmas { get; init; } = 2.0;
}

/// <summary>Shared pieces of the improved methods: stratified sampling and the two fitted models.</summary>
public static class ImprovedModels
{
    /// <summary>
    /// K distinct networks in which every block of every node appears equally often (up to one), in random
    /// combinations; with a cell graph, cells cut off from the input are redrawn (they are known to be degenerate).
    /// </summary>
    public static List<Architecture> StratifiedSample(SearchSpace space, int k, Random rng, CellGraph? graph, IReadOnlySet<Architecture>? exclude = null) =>
        GuidedSearch.StratifiedSample(space, k, rng, a => space.IsValid(a) && (graph is null || graph.IsConnected(a)), exclude);

    /// <summary>
    /// Accuracy model: pairwise ridge on canonical connected cells (dead edges as none), fitted to the log error rate
    /// -log(top - accuracy) where top is 100 for percentages (1 for fractions): accuracy differences near the top matter
    /// more than far below it, and the log error makes the block effects closer to additive. Cells cut off from the
    /// input predict the mean of those seen (or below everything seen).
    /// </summary>
    public sealed class AccuracyModel(SearchSpace space, CellGraph? graph, bool pairwise, bool logError = true)
    {
        private readonly PairwiseRidge _ridge = new(space, pairwise, graph is null ? null : [graph.Canonical]);
        private double _degenerate = double.NaN;
        private double _top = 100;
        public PairwiseRidge Ridge => _ridge;

        private double Forward(double acc) => logError ? -Math.Log(Math.Max(_top - acc, 1e-6 * _top)) : acc;
        private double Backward(double t) => logError ? _top - Math.Exp(-t) : t;

        public AccuracyModel Fit(IReadOnlyList<Architecture> nets, IReadOnlyList<double> y)
        {
            _top = y.Any(v => v > 1) ? 100 : 1;
            if (y.Any(v => v > _top)) throw new MathNasException("accuracy above 100% cannot be modelled as an error rate");
            var keep = Enumerable.Range(0, nets.Count).Where(k => graph is null || graph.IsConnected(nets[k])).ToList();
            var cut = Enumerable.Range(0, nets.Count).Where(k => graph is not null && !graph.IsConnected(nets[k])).ToList();
            _ridge.Fit(keep.Select(k => nets[k]).ToList(), keep.Select(k => Forward(y[k])).ToList());
            _degenerate = cut.Count > 0 ? cut.Average(k => y[k]) : keep.Min(k => y[k]) - 1;
            return this;
        }

        public double Predict(Architecture a) =>
            graph is not null && !graph.IsConnected(a) ? _degenerate : Backward(_ridge.Predict(a));
    }

    /// <summary>
    /// Latency (any additive cost) model: pairwise ridge on the network as built, or, for cell spaces, on the network
    /// plus the cell with dead-end edges removed (a compiler may drop computation whose result is unused); the one with
    /// the lower leave-one-out error on the evaluated networks is kept, so the choice is made by the data of each device.
    /// </summary>
    public static PairwiseRidge FitCost(SearchSpace space, CellGraph? graph, bool pairwise, IReadOnlyList<Architecture> nets, IReadOnlyList<double> y)
    {
        var best = new PairwiseRidge(space, pairwise).Fit(nets, y);
        if (graph is null) return best;
        var pruned = new PairwiseRidge(space, pairwise, [a => a, a => graph.Prune(a, deadEnds: true, cutOff: false)]).Fit(nets, y);
        return pruned.LooRmse < best.LooRmse ? pruned : best;
    }
}

/// <summary>
/// Improved method, open or closed loop: a pairwise ridge model of accuracy and of latency from K stratified networks,
/// exact search over the model (enumeration), latency budget tightened by a margin of
/// <see cref="ImprovedOptions.MarginSigmas"/> times the latency model's held-out error; closed loop: verify and cut as in
/// <see cref="PaperMethod"/>.
/// </summary>
public sealed class PairwiseModelMethod(int samples, ImprovedOptions? options = null, bool closedLoop = false, int maxRounds = 20) : ISearchStrategy
{
    public ImprovedOptions Options { get; } = options ?? new ImprovedOptions();
    public int Samples { get; } = samples;

    public string Name => $"{(Options.Pairwise ? "pairwise" : "additive")}:{Samples}[{(Options.Structure ? "structure, " : "")}margin {Options.MarginSigmas:0.#}σ, {(closedLoop ? "closed" : "open")} loop]";

    public StrategyResult Run(StrategyTask task)
    {
        var space = task.Space;
        var ev = task.Evaluator;
        string cost = task.SingleCost;
        var graph = Options.Structure ? CellGraph.For(space) : null;
        var rng = new Random(task.Seed);
        var nets = ImprovedModels.StratifiedSample(space, Samples, rng, graph);
        foreach (var a in nets) ev.Evaluate(a);
        var acc = new ImprovedModels.AccuracyModel(space, graph, Options.Pairwise).Fit(nets, nets.Select(a => ev.Evaluate(a, task.Objective)).ToList());
        var lat = ImprovedModels.FitCost(space, graph, Options.Pairwise, nets, nets.Select(a => ev.Evaluate(a, cost)).ToList());
        var all = EnumerationSearch.Networks(space, Name);
        var pa = all.Select(acc.Predict).ToArray();
        var pl = all.Select(lat.Predict).ToArray();
        bool[] allowed = all.Select(a => graph is null || graph.IsConnected(a)).ToArray();
        double margin = Options.MarginSigmas * lat.LooRmse;
        var chosen = new List<Architecture?>();
        var rounds = new List<int>();
        foreach (var budget in task.SingleCostBudgets)
        {
            var excluded = new HashSet<int>();
            double effective = budget - margin;
            Architecture? answer = null;
            int round = 0;
            while (round < (closedLoop ? maxRounds : 1))
            {
                round++;
                int k = EnumerationSearch.ArgMax(pa, pl, effective, i => allowed[i] && !excluded.Contains(i));
                if (k < 0) break;
                answer = all[k];
                if (!closedLoop) break;
                double measured = ev.Evaluate(all[k], cost);
                if (Feasibility.IsMet(measured, budget)) break;
                excluded.Add(k);
                double error = measured - pl[k];
                if (error > 0) effective = Math.Min(effective, budget - error);
            }
            chosen.Add(answer);
            rounds.Add(round);
        }
        return StrategyResult.Of(chosen) with
        {
            Predict = (a, metric) => metric == task.Objective ? acc.Predict(a) : lat.Predict(a),
            Rounds = closedLoop ? rounds : null,
            Notes = $"latency LOO RMSE {lat.LooRmse:G4}, accuracy LOO RMSE {acc.Ridge.LooRmse:G4}",
        };
    }
}
