using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MathNas.Torch.Nn;

/// <summary>
/// Weight slicing shared by the supernets and their exported sub-networks: channel dimensions (0 and 1) keep their
/// first entries (elastic width / expand ratio), kernel dimensions (2 and 3) keep the centre (elastic kernel:
/// a 3x3 kernel is the centre crop of the 5x5 and 7x7 ones).
/// </summary>
public static class Slicing
{
    public static Tensor Fit(Tensor t, ReadOnlySpan<long> shape)
    {
        if (t.dim() != shape.Length) throw new MathNasException($"cannot fit a {t.dim()}-d tensor into a {shape.Length}-d shape");
        var r = t;
        for (int d = 0; d < shape.Length; d++)
        {
            long have = r.shape[d];
            if (shape[d] > have) throw new MathNasException($"cannot fit size {have} into {shape[d]} (dimension {d})");
            if (shape[d] == have) continue;
            long start = d >= 2 ? (have - shape[d]) / 2 : 0;
            r = r.narrow(d, start, shape[d]);
        }
        return r;
    }
}

/// <summary>Counts multiply-accumulates of the convolutions and linear layers run while it is active (per thread).</summary>
public static class MacCounter
{
    [ThreadStatic] private static double? _macs;
    public static void Start() => _macs = 0;
    public static double Stop() { var v = _macs ?? 0; _macs = null; return v; }
    internal static void Add(double macs) { if (_macs is not null) _macs += macs; }
}

/// <summary>A bias-free convolution whose weight can be used in part (first channels, centre of the kernel).</summary>
public sealed class Conv : nn.Module
{
    private readonly Parameter _weight;

    public Conv(long inChannels, long outChannels, int kernel, int stride = 1, bool depthwise = false) : base("Conv")
    {
        Stride = stride; Depthwise = depthwise; MaxKernel = kernel;
        _weight = new Parameter(empty(outChannels, depthwise ? 1 : inChannels, kernel, kernel));
        nn.init.kaiming_normal_(_weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        register_parameter("weight", _weight);
    }

    public int Stride { get; }
    public bool Depthwise { get; }
    public int MaxKernel { get; }
    public Parameter Weight => _weight;

    /// <summary>Convolves with the first <paramref name="outChannels"/> filters (depthwise: as many as x has channels)
    /// and the centre <paramref name="kernel"/> x <paramref name="kernel"/> of each.</summary>
    public Tensor Forward(Tensor x, long outChannels = -1, int kernel = -1)
    {
        long cin = x.shape[1];
        if (kernel < 0) kernel = MaxKernel;
        long cout = Depthwise ? cin : (outChannels < 0 ? _weight.shape[0] : outChannels);
        var w = Slicing.Fit(_weight, Depthwise ? [cout, 1, kernel, kernel] : [cout, cin, kernel, kernel]);
        var y = nn.functional.conv2d(x, w, null, strides: [Stride, Stride], padding: [kernel / 2, kernel / 2], groups: Depthwise ? cin : 1);
        MacCounter.Add((double)(Depthwise ? 1 : cin) * cout * kernel * kernel * y.shape[2] * y.shape[3]);
        return y;
    }
}

/// <summary>
/// Batch normalisation over the first channels of its parameters. In training mode it updates the running
/// statistics with momentum 0.1, or, during recalibration (<see cref="Cumulative"/>), with the cumulative average
/// of the batches seen since <see cref="ResetStatistics"/>.
/// </summary>
public sealed class Bn : nn.Module
{
    private readonly Parameter _weight, _bias;
    private readonly Tensor _mean, _var;
    private long _batches;

    public Bn(long channels) : base("Bn")
    {
        _weight = new Parameter(ones(channels));
        _bias = new Parameter(zeros(channels));
        _mean = zeros(channels);
        _var = ones(channels);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
        register_buffer("running_mean", _mean);
        register_buffer("running_var", _var);
    }

    public bool Cumulative { get; set; }

    public void ResetStatistics()
    {
        using var _ = no_grad();
        _mean.zero_();
        _var.fill_(1);
        _batches = 0;
    }

    public Tensor Forward(Tensor x)
    {
        long c = x.shape[1];
        double momentum = 0.1;
        if (training && Cumulative) momentum = 1.0 / ++_batches;
        return nn.functional.batch_norm(x, _mean.narrow(0, 0, c), _var.narrow(0, 0, c),
            _weight.narrow(0, 0, c), _bias.narrow(0, 0, c), training, momentum, 1e-5);
    }
}

/// <summary>A fully connected layer (the classifier).</summary>
public sealed class Dense : nn.Module
{
    private readonly Parameter _weight, _bias;

    public Dense(long inFeatures, long outFeatures) : base("Dense")
    {
        var bound = 1.0 / Math.Sqrt(inFeatures);
        _weight = new Parameter(rand(outFeatures, inFeatures) * (2 * bound) - bound);
        _bias = new Parameter(rand(outFeatures) * (2 * bound) - bound);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
    }

    public Tensor Forward(Tensor x)
    {
        var w = Slicing.Fit(_weight, [_weight.shape[0], x.shape[1]]);
        MacCounter.Add((double)x.shape[1] * _weight.shape[0]);
        return nn.functional.linear(x, w, _bias);
    }
}
