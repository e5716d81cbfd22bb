using MathNas.Spaces;
using MathNas.Data;

namespace MathNas.Tests.Spaces;

public class SpaceFileTests
{
    private static string Example => Path.Combine(DataLocator.RepositoryRoot()!, "examples", "tiny-space.yml");

    [Fact]
    public void ExampleSpaceLoadsWithItsConstraint()
    {
        var s = SpaceFile.Load(Example);
        Assert.Equal("tiny", s.Name);
        Assert.Equal(3, s.NodeCount);
        Assert.Equal(27, (int)s.Size);
        Assert.Equal(new Architecture(1, 1, 1), s.BaseArchitecture);
        Assert.Equal(12.5 + 9.4 * 3, s.Flops(s.BaseArchitecture), 9);
        // stage3 = skip while stage2 != skip breaks the constraint: 27 - 3*... networks remain
        Assert.False(s.IsValid(new Architecture(0, 1, 0)));
        Assert.True(s.IsValid(new Architecture(0, 0, 0)));
        Assert.Equal(27 - 6, s.Enumerate().Count());
    }

    [Fact]
    public void YamlRoundTripKeepsEverything()
    {
        var s = SpaceFile.Load(Example);
        var again = SpaceFile.Parse(SpaceFile.ToYaml(s));
        Assert.Equal(s.Name, again.Name);
        Assert.Equal(s.FixedFlops, again.FixedFlops);
        Assert.Equal(s.Nodes.Select(n => n.BaseIndex), again.Nodes.Select(n => n.BaseIndex));
        Assert.Equal(s.Nodes.SelectMany(n => n.Blocks), again.Nodes.SelectMany(n => n.Blocks));
        Assert.Equal(s.Enumerate().Count(), again.Enumerate().Count());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("name: x\n", "'nodes' is missing")]
    [InlineData("name: x\nnodes:\n  - name: a\n    blocks: []\n", "has no blocks")]
    [InlineData("name: x\nnodes:\n  - name: a\n    blocks:\n      - {name: p}\n", "'flops' is missing")]
    [InlineData("name: x\nnodez: 3\n", "line")]
    [InlineData("name: x\nnodes:\n  - name: a\n    base: q\n    blocks:\n      - {name: p, flops: 1}\n", "base 'q'")]
    [InlineData("name: x\nnodes:\n  - name: a\n    blocks:\n      - {name: p, flops: .nan}\n", "finite")]
    [InlineData("name: x\nnodes:\n  - name: a\n    blocks:\n      - {name: p, flops: 1}\n      - {name: p, flops: 2}\n", "appears twice")]
    public void BrokenFilesAreRejectedWithAClearMessage(string text, string expected)
    {
        var e = Assert.Throws<MathNasException>(() => SpaceFile.Parse(text, "t.yml"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ArchitectureParseAndEquality()
    {
        var a = Architecture.Parse("3, 3,1 0 2 4");
        Assert.Equal(new Architecture(3, 3, 1, 0, 2, 4), a);
        Assert.Equal("3,3,1,0,2,4", a.ToString());
        Assert.Equal(a.GetHashCode(), Architecture.Parse(a.ToString()).GetHashCode());
        Assert.NotEqual(a, a.With(0, 2));
        Assert.Throws<MathNasException>(() => Architecture.Parse("1,x"));
    }
}
