using System.Numerics;
using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.SuperTransformer;

namespace MathNas.Tests.Spaces;

public class ValidNetworksTests
{
    [Fact]
    public void MatchesEnumerationOnRandomConstrainedSpaces()
    {
        var rng = new Random(11);
        for (int rep = 0; rep < 60; rep++)
        {
            int m = 2 + rng.Next(5);
            var nodes = Enumerable.Range(0, m).Select(i => new Node($"n{i}", Enumerable.Range(0, 1 + rng.Next(4)).Select(j => new Block($"b{j}", j, j)).ToList())).ToList();
            var cons = new List<LinearConstraint>();
            int nc = rng.Next(4);
            for (int k = 0; k < nc; k++)
            {
                var terms = new List<ConstraintTerm>();
                for (int t = 0; t < 1 + rng.Next(3); t++)
                {
                    int i = rng.Next(m);
                    terms.Add(new ConstraintTerm(i, rng.Next(nodes[i].Count), rng.Next(-2, 3)));
                }
                cons.Add(new LinearConstraint($"c{k}", terms, rng.Next(-1, 2)));
            }
            var s = new SearchSpace($"r{rep}", nodes, constraints: cons);
            Assert.Equal(new BigInteger(s.Enumerate().Count()), ValidNetworks.Count(s));
        }
    }

    [Fact]
    public void MobileNetV3LayerView_Is7371PerStage_ToTheFifth()
    {
        // per stage: layers 1-2 always present (9 x 9), layers 3-4: both (81), only layer 3 (9) or neither (1)
        Assert.Equal(BigInteger.Pow(9 * 9 * (81 + 9 + 1), 5), ValidNetworks.Count(MobileNetV3Spaces.LayerView));
        Assert.Equal(BigInteger.Pow(7371, 5), ValidNetworks.Count(MobileNetV3Spaces.StageView));
        Assert.True(MobileNetV3Spaces.LayerView.Size > ValidNetworks.Count(MobileNetV3Spaces.LayerView));
    }

    [Fact]
    public void SuperTransformer_MatchesItsClosedForm()
    {
        Assert.Equal(SuperTransformerSpace.CountValid(), ValidNetworks.Count(SuperTransformerSpace.Create()));
    }

    [Fact]
    public void TooManyStatesGivesNull()
    {
        var nodes = Enumerable.Range(0, 12).Select(i => new Node($"n{i}", Enumerable.Range(0, 10).Select(j => new Block($"b{j}", j, 0)).ToList())).ToList();
        // one constraint over every node with distinct weights: many partial sums
        var c = new LinearConstraint("sum", Enumerable.Range(0, 12).SelectMany(i => Enumerable.Range(0, 10).Select(j => new ConstraintTerm(i, j, j * Math.Pow(10, i % 6) + 0.001 * i))).ToList(), 1e9);
        var s = new SearchSpace("big", nodes, constraints: [c]);
        Assert.Null(ValidNetworks.Count(s, maxStates: 1000));
    }
}
