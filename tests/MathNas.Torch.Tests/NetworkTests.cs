using MathNas.Spaces;
using MathNas.Torch.Nn;
using static TorchSharp.torch;

namespace MathNas.Torch.Tests;

public class NetworkTests
{
    public NetworkTests() => TorchRuntime.SetThreads(1);

    public static TheoryData<string> Spaces => new() { Nb201MiniSpace.SpaceName, OfaMiniSpace.SpaceName };

    private static TorchSearchSpace Space(string name) => name == Nb201MiniSpace.SpaceName ? Nb201MiniSpace.Create() : OfaMiniSpace.Create();

    [Theory]
    [MemberData(nameof(Spaces))]
    public void FlopsAndParamsOfTheSpaceAreThoseOfTheBuiltNetworks(string name)
    {
        var space = Space(name);
        var rng = new Random(3);
        var archs = new List<Architecture> { space.BaseArchitecture, SupernetExtremes(space, true), SupernetExtremes(space, false) };
        for (int i = 0; i < 6; i++) archs.Add(space.Sample(rng));
        foreach (var a in archs)
        {
            using var net = space.CreateNetwork(a);
            Assert.Equal(space.Flops(a) * 1e6, net.CountMacs(a), 6);
            Assert.Equal(space.Params(a) * 1e3, net.ParameterCount(), 6);
        }
    }

    private static Architecture SupernetExtremes(SearchSpace s, bool largest) => Training.SupernetTrainer.Extreme(s, largest);

    [Theory]
    [MemberData(nameof(Spaces))]
    public void AStandAloneNetworkCopiedFromTheSupernetComputesWhatTheSupernetComputes(string name)
    {
        var space = Space(name);
        manual_seed(5);
        using var super = space.CreateNetwork();
        // Make the batch-norm statistics non-trivial so that the copy of buffers is checked too.
        var rng = new Random(9);
        using var x = randn(4, 1, 28, 28);
        for (int i = 0; i < 5; i++)
        {
            var a = space.Sample(rng);
            super.Recalibrate(a, [randn(16, 1, 28, 28)]);
            using var single = space.CreateNetwork(a);
            single.CopyFrom(super);
            single.eval();
            using var _ = no_grad();
            var y1 = super.Forward(x, a);
            var y2 = single.Forward(x);
            Assert.True(allclose(y1, y2, 1e-4, 1e-5), $"{a}: outputs differ by {(y1 - y2).abs().max().item<float>()}");
            Assert.True(single.ParameterCount() < super.ParameterCount());
        }
    }

    [Fact]
    public void AStandAloneNetworkRefusesAnotherArchitecture()
    {
        var space = Nb201MiniSpace.Create();
        using var net = space.CreateNetwork(new Architecture(3, 3, 3, 3, 3, 3));
        var e = Assert.Throws<MathNasException>(() => net.Forward(zeros(1, 1, 28, 28), new Architecture(1, 3, 3, 3, 3, 3)));
        Assert.Contains("not", e.Message);
    }

    [Fact]
    public void Nb201NoneEverywhereGivesAConstantNetworkAndArchStringsRoundTrip()
    {
        var space = Nb201MiniSpace.Create();
        var a = new Architecture(3, 0, 1, 2, 4, 0);
        Assert.Equal("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|", space.Describe(a));
        Assert.Equal(a, space.ParseArchitecture(space.Describe(a)));
        Assert.Throws<MathNasException>(() => space.ParseArchitecture("|conv~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"));
        // With every edge "none" the cells output zeros: the output does not depend on the input.
        var zero = new Architecture(0, 0, 0, 0, 0, 0);
        using var net = space.CreateNetwork(zero);
        net.eval();
        using var _ = no_grad();
        var y1 = net.Forward(randn(1, 1, 28, 28));
        var y2 = net.Forward(randn(1, 1, 28, 28));
        Assert.True(allclose(y1, y2, 1e-4, 1e-5));
        Assert.Equal(0, space.Nodes[0].Blocks[0].Flops);
        Assert.True(space.Nodes[0].Blocks[3].Flops > space.Nodes[0].Blocks[2].Flops);
    }

    [Fact]
    public void OfaElasticKernelIsTheCentreOfTheLargestKernel()
    {
        var w = arange(49f).reshape(1, 1, 7, 7);
        var c = Slicing.Fit(w, [1, 1, 3, 3]);
        Assert.Equal(new float[] { 16, 17, 18, 23, 24, 25, 30, 31, 32 }, c.data<float>().ToArray());
        var ch = Slicing.Fit(arange(12f).reshape(4, 3, 1, 1), [2, 3, 1, 1]);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, ch.data<float>().ToArray());
        var space = OfaMiniSpace.Create();
        Assert.Equal(27, space.Nodes[0].Count);
        Assert.Equal("d2_k3_e3", space.Nodes[0].Blocks[0].Name);
        Assert.Equal("d4_k7_e6", space.Nodes[0].Blocks[26].Name);
        Assert.Equal((3, 5, 4), space.Config.Decode(space.Config.BlockIndex(3, 5, 4)));
    }
}
