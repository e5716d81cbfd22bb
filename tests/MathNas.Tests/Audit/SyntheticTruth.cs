using MathNas.Audit;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Tests.Audit;

/// <summary>Small synthetic spaces with a known ground truth (accuracy and latency:dev), for audit tests.</summary>
internal static class SyntheticTruth
{
    public const string Cost = "latency:dev";

    public static SearchSpace Space(int nodes = 5, int blocks = 4) =>
        new("synthetic", Enumerable.Range(0, nodes).Select(i =>
            new Node($"n{i}", Enumerable.Range(0, blocks).Select(j => new Block($"b{j}", 1 + j * (i + 1), 0.1 * j)).ToList(), baseIndex: blocks - 1)).ToList(),
            fixedFlops: 10);

    /// <summary>
    /// Accuracy = 90 - sum a[i][j] (+ pairwise terms when <paramref name="pairwise"/> &gt; 0), latency = 5 + sum l[i][j]
    /// (+ pairwise when <paramref name="latencyPairwise"/> &gt; 0); coefficients drawn from a seeded generator.
    /// </summary>
    public static GroundTruth Make(int seed = 1, double pairwise = 0, double latencyPairwise = 0, int nodes = 5, int blocks = 4)
    {
        var space = Space(nodes, blocks);
        var rng = new Random(seed);
        var a = Enumerable.Range(0, nodes).Select(_ => Enumerable.Range(0, blocks).Select(_ => rng.NextDouble() * 3).ToArray()).ToArray();
        var l = Enumerable.Range(0, nodes).Select(_ => Enumerable.Range(0, blocks).Select(_ => rng.NextDouble() * 4).ToArray()).ToArray();
        var pa = new double[nodes, nodes, blocks, blocks];
        var pl = new double[nodes, nodes, blocks, blocks];
        for (int i = 0; i < nodes; i++)
            for (int k = 0; k < nodes; k++)
                for (int j = 0; j < blocks; j++)
                    for (int m = 0; m < blocks; m++)
                    {
                        pa[i, k, j, m] = (rng.NextDouble() - 0.5) * pairwise;
                        pl[i, k, j, m] = rng.NextDouble() * latencyPairwise;
                    }
        var nets = space.Enumerate().ToList();
        var acc = new double[nets.Count];
        var lat = new double[nets.Count];
        for (int n = 0; n < nets.Count; n++)
        {
            var x = nets[n];
            double s = 90, t = 5;
            for (int i = 0; i < nodes; i++)
            {
                s -= a[i][x[i]];
                t += l[i][x[i]];
                for (int k = i + 1; k < nodes; k++)
                {
                    s += pa[i, k, x[i], x[k]];
                    t += pl[i, k, x[i], x[k]];
                }
            }
            acc[n] = s;
            lat[n] = t;
        }
        return new GroundTruth(space, nets, new Dictionary<string, double[]> { [MetricNames.Accuracy] = acc, [Cost] = lat }, "synthetic");
    }
}
