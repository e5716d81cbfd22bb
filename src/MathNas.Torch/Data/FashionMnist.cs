namespace MathNas.Torch.Data;

/// <summary>Images as normalised floats (N x 1 x H x W, row-major) and their labels.</summary>
public sealed class ImageSet
{
    public ImageSet(float[] pixels, byte[] labels, int rows, int cols)
    {
        if (pixels.Length != (long)labels.Length * rows * cols)
            throw new MathNasException($"image set: {pixels.Length} pixels do not make {labels.Length} images of {rows}x{cols}");
        Pixels = pixels; Labels = labels; Rows = rows; Cols = cols;
    }

    public float[] Pixels { get; }
    public byte[] Labels { get; }
    public int Rows { get; }
    public int Cols { get; }
    public int Count => Labels.Length;
    public int ImageSize => Rows * Cols;

    /// <summary>The images at the given indices, in that order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        var px = new float[indices.Count * ImageSize];
        var lb = new byte[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Array.Copy(Pixels, (long)indices[k] * ImageSize, px, (long)k * ImageSize, ImageSize);
            lb[k] = Labels[indices[k]];
        }
        return new ImageSet(px, lb, Rows, Cols);
    }

    /// <summary>The first <paramref name="n"/> images (all when n &lt;= 0 or n &gt;= Count).</summary>
    public ImageSet Take(int n) => n <= 0 || n >= Count ? this : Subset(Enumerable.Range(0, n).ToArray());
}

/// <summary>The train/held-out/test splits the supernet pipeline uses.</summary>
public sealed record DataSplits(ImageSet Train, ImageSet HeldOut, ImageSet Test);

/// <summary>
/// Fashion-MNIST from the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*.gz) or any folder
/// holding the four IDX files. Pixels are scaled to [0,1] and normalised with the dataset's usual mean/std.
/// </summary>
public static class FashionMnist
{
    public const string DefaultDir = "/usr/share/datasets/fashion-mnist";
    public const float Mean = 0.2860f, Std = 0.3530f;

    /// <summary>$MATHNAS_FASHION_MNIST, else the Debian package's folder.</summary>
    public static string Locate(string? dir = null)
    {
        dir ??= Environment.GetEnvironmentVariable("MATHNAS_FASHION_MNIST") ?? DefaultDir;
        if (!Directory.Exists(dir))
            throw new MathNasException($"Fashion-MNIST not found at '{dir}': install the Debian package dataset-fashion-mnist (scripts/install.sh does) or set MATHNAS_FASHION_MNIST");
        return dir;
    }

    public static bool IsAvailable(string? dir = null) =>
        Directory.Exists(dir ?? Environment.GetEnvironmentVariable("MATHNAS_FASHION_MNIST") ?? DefaultDir);

    public static ImageSet Load(string dir, bool train)
    {
        var prefix = train ? "train" : "t10k";
        var img = Idx.ReadImages(Find(dir, $"{prefix}-images-idx3-ubyte"));
        var lab = Idx.ReadLabels(Find(dir, $"{prefix}-labels-idx1-ubyte"));
        if (img.Count != lab.Length)
            throw new MathNasException($"'{dir}': {img.Count} {prefix} images but {lab.Length} labels");
        foreach (var l in lab)
            if (l > 9) throw new MathNasException($"'{dir}': label {l} is not a Fashion-MNIST class (0..9)");
        var px = new float[img.Pixels.Length];
        for (int i = 0; i < px.Length; i++) px[i] = (img.Pixels[i] / 255f - Mean) / Std;
        return new ImageSet(px, lab, img.Rows, img.Cols);
    }

    /// <summary>
    /// Splits the 60,000 training images, shuffled with <paramref name="seed"/>, into a training part and a held-out part
    /// of <paramref name="heldOut"/> images (the accuracy evaluator's split); the 10,000 test images stay the test split.
    /// <paramref name="trainLimit"/>/<paramref name="testLimit"/> cap the sizes (0 = all) for quick configurations.
    /// </summary>
    public static DataSplits Splits(string dir, int heldOut, int seed, int trainLimit = 0, int testLimit = 0)
    {
        var all = Load(dir, train: true);
        if (heldOut <= 0 || heldOut >= all.Count) throw new MathNasException($"held-out split must be 1..{all.Count - 1} images, not {heldOut}");
        var idx = Enumerable.Range(0, all.Count).ToArray();
        new Random(seed).Shuffle(idx);
        var held = all.Subset(idx[..heldOut]);
        var rest = idx[heldOut..];
        if (trainLimit > 0 && trainLimit < rest.Length) rest = rest[..trainLimit];
        var test = Load(dir, train: false).Take(testLimit);
        return new DataSplits(all.Subset(rest), held, test);
    }

    private static string Find(string dir, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx") + ".gz", stem.Replace("-idx", ".idx") })
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        throw new MathNasException($"'{dir}' has no {stem}(.gz) file");
    }
}
