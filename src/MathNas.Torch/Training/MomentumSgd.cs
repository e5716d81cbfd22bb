using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MathNas.Torch.Training;

/// <summary>
/// SGD with Nesterov momentum and weight decay (PyTorch's update rule), whose momentum buffers are saved and loaded
/// with the checkpoint so that a resumed run continues exactly as an unbroken one.
/// buf = momentum * buf + (grad + wd * p);  p -= lr * (grad + wd * p + momentum * buf).
/// </summary>
public sealed class MomentumSgd : IDisposable
{
    private readonly Parameter[] _params;
    private readonly Buffers _state;
    private readonly double _momentum, _weightDecay;

    public MomentumSgd(IEnumerable<Parameter> parameters, double momentum, double weightDecay)
    {
        _params = parameters.ToArray();
        _momentum = momentum;
        _weightDecay = weightDecay;
        _state = new Buffers(_params);
    }

    public void ZeroGrad()
    {
        // Set to none (not zero): a parameter off the sampled path then has no gradient and is left alone, the same
        // in a resumed process as in an unbroken one.
        foreach (var p in _params)
        {
            var g = p.grad;
            if (g is null) continue;
            p.grad = null;
            g.Dispose();
        }
    }

    public void Step(double lr)
    {
        using var _ = no_grad();
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            var g = p.grad;
            if (g is null) continue; // not on the sampled path: neither decayed nor moved
            using var scope = NewDisposeScope();
            var d = _weightDecay != 0 ? g + p * _weightDecay : g;
            var buf = _state.Momentum[i];
            buf.mul_(_momentum).add_(d);
            p.sub_((d + buf * _momentum) * lr);
        }
    }

    public void Save(string path) => _state.save(path);
    public void Load(string path) => _state.load(path);
    public void Save(BinaryWriter writer) => _state.save(writer);
    public void Load(BinaryReader reader) => _state.load(reader);

    public void Dispose() => _state.Dispose();

    private sealed class Buffers : nn.Module
    {
        public Buffers(Parameter[] ps) : base("MomentumSgdState")
        {
            Momentum = ps.Select(p => zeros_like(p)).ToArray();
            for (int i = 0; i < Momentum.Length; i++) register_buffer($"m{i}", Momentum[i]);
        }

        public Tensor[] Momentum { get; }
    }
}
