using MathNas.Torch.Data;

namespace MathNas.Torch.Tests;

public sealed class DataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idx").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    internal static void WriteSet(string dir, string prefix, int n, int seed, bool gz = true, int badLabel = -1)
    {
        var rng = new Random(seed);
        var px = new byte[n * 28 * 28];
        rng.NextBytes(px);
        var lb = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        if (badLabel >= 0) lb[0] = (byte)badLabel;
        var ext = gz ? ".gz" : "";
        Idx.Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte{ext}"), Idx.ImagesMagic, [n, 28, 28], px);
        Idx.Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte{ext}"), Idx.LabelsMagic, [n], lb);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadsWhatItWrote(bool gz)
    {
        var p = Path.Combine(_dir, "img" + (gz ? ".gz" : ""));
        var data = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)i).ToArray();
        Idx.Write(p, Idx.ImagesMagic, [3, 4, 5], data);
        var img = Idx.ReadImages(p);
        Assert.Equal((3, 4, 5), (img.Count, img.Rows, img.Cols));
        Assert.Equal(data, img.Pixels);
        var l = Path.Combine(_dir, "lab" + (gz ? ".gz" : ""));
        Idx.Write(l, Idx.LabelsMagic, [3], [7, 8, 9]);
        Assert.Equal(new byte[] { 7, 8, 9 }, Idx.ReadLabels(l));
    }

    [Fact]
    public void RejectsWrongMagicWrongSizesAndBadGzip()
    {
        var p = Path.Combine(_dir, "x");
        Idx.Write(p, Idx.LabelsMagic, [3], [1, 2, 3]);
        Assert.Contains("not an IDX image file", Assert.Throws<MathNasException>(() => Idx.ReadImages(p)).Message);
        Idx.Write(p, Idx.ImagesMagic, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7]); // one byte short
        Assert.Contains("announces 2 images", Assert.Throws<MathNasException>(() => Idx.ReadImages(p)).Message);
        Idx.Write(p, Idx.LabelsMagic, [4], [1, 2, 3]);
        Assert.Contains("announces 4 labels", Assert.Throws<MathNasException>(() => Idx.ReadLabels(p)).Message);
        File.WriteAllBytes(p, [0, 0]);
        Assert.Contains("truncated", Assert.Throws<MathNasException>(() => Idx.ReadLabels(p)).Message);
        var g = Path.Combine(_dir, "bad.gz");
        File.WriteAllBytes(g, [1, 2, 3, 4, 5]);
        Assert.Contains("gzip", Assert.Throws<MathNasException>(() => Idx.ReadLabels(g)).Message);
        Assert.Contains("does not exist", Assert.Throws<MathNasException>(() => Idx.ReadLabels(Path.Combine(_dir, "none"))).Message);
    }

    [Fact]
    public void LoadsAFashionMnistFolderAndSplitsItWithoutOverlap()
    {
        WriteSet(_dir, "train", 120, 1);
        WriteSet(_dir, "t10k", 30, 2, gz: false);
        var train = FashionMnist.Load(_dir, true);
        Assert.Equal(120, train.Count);
        Assert.Equal(120 * 784, train.Pixels.Length);
        Assert.InRange(train.Pixels.Min(), -0.82f, -0.80f); // (0/255 - mean) / std
        var s = FashionMnist.Splits(_dir, heldOut: 20, seed: 3, trainLimit: 50, testLimit: 10);
        Assert.Equal((50, 20, 10), (s.Train.Count, s.HeldOut.Count, s.Test.Count));
        // Every image is distinct (random pixels): held-out images never appear in the training part.
        var key = (ImageSet set, int i) => string.Join(",", set.Pixels.Skip(i * 784).Take(16));
        var trainKeys = Enumerable.Range(0, s.Train.Count).Select(i => key(s.Train, i)).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, s.HeldOut.Count).Select(i => key(s.HeldOut, i)), trainKeys.Contains);
        var again = FashionMnist.Splits(_dir, heldOut: 20, seed: 3, trainLimit: 50);
        Assert.Equal(s.HeldOut.Pixels, again.HeldOut.Pixels);
    }

    [Fact]
    public void RejectsMismatchedCountsAndLabelsOutOfRange()
    {
        WriteSet(_dir, "train", 20, 1, badLabel: 12);
        Assert.Contains("label 12", Assert.Throws<MathNasException>(() => FashionMnist.Load(_dir, true)).Message);
        WriteSet(_dir, "train", 20, 1);
        Idx.Write(Path.Combine(_dir, "train-labels-idx1-ubyte.gz"), Idx.LabelsMagic, [19], new byte[19]);
        Assert.Contains("20 train images but 19 labels", Assert.Throws<MathNasException>(() => FashionMnist.Load(_dir, true)).Message);
        Assert.Contains("has no t10k-images", Assert.Throws<MathNasException>(() => FashionMnist.Load(_dir, false)).Message);
        Assert.Contains("dataset-fashion-mnist", Assert.Throws<MathNasException>(() => FashionMnist.Locate(Path.Combine(_dir, "nope"))).Message);
    }
}
