using MathNas.Spaces;
using MathNas.Spaces.NasBench201;
using MathNas.Tests.Support;

namespace MathNas.Tests.NasBench201;

public class NasBench201SpaceTests
{
    private static readonly NasBench201Space Space = NasBench201Space.Instance;

    [Fact]
    public void RegisteredAsBuiltIn()
    {
        var s = SpaceRegistry.Resolve("nasbench201");
        Assert.IsType<NasBench201Space>(s);
        Assert.Equal(6, s.NodeCount);
        Assert.All(s.Nodes, n => Assert.Equal(5, n.Count));
        Assert.All(s.Nodes, n => Assert.Equal("nor_conv_3x3", n.Blocks[n.BaseIndex].Name));
        Assert.Equal(15625, (int)s.Size);
    }

    [Fact]
    public void ArchStringRoundTripForAll15625Networks()
    {
        var seen = new HashSet<string>();
        int ordinal = 0;
        foreach (var a in Space.Enumerate())
        {
            var s = NasBench201Space.ToArchString(a);
            Assert.True(seen.Add(s));
            Assert.Equal(a, NasBench201Space.ParseArchString(s));
            Assert.Equal(a, Space.ParseArchitecture(s));
            Assert.Equal(s, Space.Describe(a));
            Assert.Equal(a, Space.ParseArchitecture(a.ToString()));
            Assert.Equal(a, Space.ParseArchitecture(NasBench201Space.ToOpCode(a)));
            Assert.Equal(ordinal, NasBench201Space.ToOrdinal(a));
            Assert.Equal(a, NasBench201Space.FromOrdinal(ordinal));
            ordinal++;
        }
        Assert.Equal(15625, seen.Count);
    }

    [Fact]
    public void EdgeOrderAndOpIndicesFollowTheDataReadme()
    {
        // README §1.1: arch 1 of the data is op_code 334131.
        var a = NasBench201Space.ParseArchString("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|");
        Assert.Equal(new Architecture(3, 3, 4, 1, 3, 1), a);
        Assert.Equal("334131", NasBench201Space.ToOpCode(a));
        Assert.Equal("|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|",
            NasBench201Space.ToArchString(new Architecture(0, 1, 2, 3, 4, 0)));
    }

    [Theory]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "3 node groups")]
    [InlineData("|conv_5x5~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", "unknown op 'conv_5x5'")]
    [InlineData("|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", "should come from node 0")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", "2 input edge")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2", "start and end with '|'")]
    [InlineData("3,3,4,1,3", "6 nodes")]
    [InlineData("3,3,4,1,3,5", "blocks 0..4")]
    [InlineData("334135", "digits 0..4")]
    public void BadArchitecturesAreClearErrors(string text, string message)
    {
        var e = Assert.Throws<MathNasException>(() => Space.ParseArchitecture(text));
        Assert.Contains(message, e.Message);
    }

    [SkippableFact]
    public void EveryArchStringOfTheDataParsesToItsOpCode()
    {
        var path = TestData.Require("nasbench201", "nb201_cifar10_test_acc_200ep.csv");
        var lines = File.ReadAllLines(path);
        Assert.Equal(15626, lines.Length);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            var a = NasBench201Space.ParseArchString(f[1]);
            Assert.Equal(f[2], NasBench201Space.ToOpCode(a));
            Assert.Equal(f[1], NasBench201Space.ToArchString(a));
        }
    }
}
