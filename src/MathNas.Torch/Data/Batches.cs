using static TorchSharp.torch;

namespace MathNas.Torch.Data;

/// <summary>Mini-batches of an <see cref="ImageSet"/> as tensors (N x 1 x H x W floats, N int64 labels).</summary>
public static class Batches
{
    public static (Tensor X, Tensor Y) Get(ImageSet set, ReadOnlySpan<int> indices)
    {
        int n = indices.Length, sz = set.ImageSize;
        var px = new float[n * sz];
        var lb = new long[n];
        for (int k = 0; k < n; k++)
        {
            Array.Copy(set.Pixels, (long)indices[k] * sz, px, (long)k * sz, sz);
            lb[k] = set.Labels[indices[k]];
        }
        return (tensor(px, [n, 1, set.Rows, set.Cols]), tensor(lb, [n]));
    }

    /// <summary>Consecutive batches in the given order (the last one may be smaller).</summary>
    public static IEnumerable<(Tensor X, Tensor Y)> Sequential(ImageSet set, int batchSize, int[]? order = null)
    {
        order ??= Enumerable.Range(0, set.Count).ToArray();
        for (int i = 0; i < order.Length; i += batchSize)
            yield return Get(set, order.AsSpan(i, Math.Min(batchSize, order.Length - i)));
    }

    /// <summary>Top-1 accuracy (%) of a network on a set, in evaluation mode without gradients.</summary>
    public static double Accuracy(Func<Tensor, Tensor> forward, ImageSet set, int batchSize = 500)
    {
        long correct = 0;
        using var _ = no_grad();
        foreach (var (x, y) in Sequential(set, batchSize))
        {
            using var scope = NewDisposeScope();
            var pred = forward(x).argmax(1);
            correct += pred.eq(y).sum().item<long>();
            x.Dispose(); y.Dispose();
        }
        return 100.0 * correct / set.Count;
    }
}
