using System.Diagnostics;
using System.Text.Json;
using MathNas.Spaces;
using MathNas.Torch.Data;
using MathNas.Torch.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace MathNas.Torch.Training;

/// <summary>How a supernet (or a stand-alone network) is trained.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 4;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 0.05;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-5;
    public int Seed { get; init; } = 1;
    /// <summary>"uniform": one uniformly random sub-network per batch; "sandwich": largest, smallest and one random
    /// sub-network per batch, gradients accumulated (3x the cost).</summary>
    public string Sampling { get; init; } = "uniform";
    /// <summary>Held-out images used for the per-epoch accuracy of the curve (0 = none).</summary>
    public int CurveImages { get; init; } = 1000;
    /// <summary>Training images for batch-norm recalibration before each accuracy measurement.</summary>
    public int RecalibrationImages { get; init; } = 1000;
}

/// <summary>One point of the training curve.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double TrainAccuracy, double? LargestAccuracy, double? SmallestAccuracy, double Seconds);

/// <summary>The persistent state of a training run (train.json beside the weights).</summary>
public sealed record TrainState
{
    public string Space { get; init; } = "";
    public string Architecture { get; init; } = "";
    public int Seed { get; init; }
    public int Epochs { get; init; }
    public string Sampling { get; init; } = "";
    public int TrainImages { get; init; }
    public int Completed { get; init; }
    public List<EpochRecord> Curve { get; init; } = [];
}

/// <summary>
/// Trains a weight-sharing supernet (uniform path sampling or the sandwich rule, seeded) or a stand-alone network,
/// with SGD (Nesterov momentum, cosine learning rate per step), checkpointing weights, optimizer state and the curve
/// after every epoch; a run started again on the same folder resumes after the last completed epoch.
/// </summary>
public static class SupernetTrainer
{
    public const string WeightsFile = "weights.bin", OptimizerFile = "optimizer.bin", StateFile = "train.json";

    public static TrainState Train(SuperNetwork net, DataSplits data, TrainOptions o, string? checkpointDir,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        TorchRuntime.EnsureLoaded();
        if (o.Epochs <= 0) throw new MathNasException($"epochs must be positive, not {o.Epochs}");
        if (o.BatchSize <= 0) throw new MathNasException($"batch size must be positive, not {o.BatchSize}");
        if (o.Sampling is not ("uniform" or "sandwich")) throw new MathNasException($"unknown sampling '{o.Sampling}': use uniform or sandwich");
        var space = net.Space;
        var state = new TrainState
        {
            Space = space.Name, Architecture = net.Fixed?.ToString() ?? "supernet", Seed = o.Seed, Epochs = o.Epochs,
            Sampling = o.Sampling, TrainImages = data.Train.Count,
        };
        var optimizer = optim.SGD(net.parameters(), o.LearningRate, o.Momentum, 0, o.WeightDecay, nesterov: true);
        if (checkpointDir is not null)
        {
            Directory.CreateDirectory(checkpointDir);
            var statePath = Path.Combine(checkpointDir, StateFile);
            if (File.Exists(statePath))
            {
                var saved = JsonSerializer.Deserialize<TrainState>(File.ReadAllText(statePath))
                    ?? throw new MathNasException($"'{statePath}' is empty");
                if (saved.Space != state.Space || saved.Architecture != state.Architecture || saved.Seed != state.Seed
                    || saved.Epochs != state.Epochs || saved.Sampling != state.Sampling || saved.TrainImages != state.TrainImages)
                    throw new MathNasException($"'{checkpointDir}' holds a different training run ({saved.Space} {saved.Architecture}, seed {saved.Seed}, {saved.Epochs} epochs, {saved.Sampling}, {saved.TrainImages} images): use another folder or delete it");
                if (saved.Completed > 0)
                {
                    net.load(Path.Combine(checkpointDir, WeightsFile));
                    var opt = Path.Combine(checkpointDir, OptimizerFile);
                    if (File.Exists(opt)) optimizer.load_state_dict(opt);
                }
                state = saved;
            }
        }
        var bigArch = Extreme(space, largest: true);
        var smallArch = Extreme(space, largest: false);
        int stepsPerEpoch = (data.Train.Count + o.BatchSize - 1) / o.BatchSize;
        long totalSteps = (long)stepsPerEpoch * o.Epochs;
        for (int epoch = state.Completed; epoch < o.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            // Everything random in an epoch derives from (seed, epoch), so a resumed run does what an unbroken one does.
            var rng = new Random(HashCode.Combine(o.Seed, epoch, 17));
            torch.manual_seed(o.Seed * 1000L + epoch);
            var order = Enumerable.Range(0, data.Train.Count).ToArray();
            rng.Shuffle(order);
            net.train();
            double lossSum = 0; long seen = 0, correct = 0;
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                long global = (long)epoch * stepsPerEpoch + step;
                double lr = 0.5 * o.LearningRate * (1 + Math.Cos(Math.PI * global / totalSteps));
                foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
                var idx = order.AsSpan(step * o.BatchSize, Math.Min(o.BatchSize, order.Length - step * o.BatchSize));
                var (x, y) = Batches.Get(data.Train, idx);
                optimizer.zero_grad();
                var archs = net.Fixed is not null ? [net.Fixed]
                    : o.Sampling == "sandwich" ? new[] { bigArch, smallArch, space.Sample(rng) }
                    : new[] { space.Sample(rng) };
                foreach (var a in archs)
                {
                    var logits = net.Forward(x, a);
                    var loss = nn.functional.cross_entropy(logits, y);
                    loss.backward();
                    if (ReferenceEquals(a, archs[^1]))
                    {
                        lossSum += loss.item<float>() * idx.Length;
                        correct += logits.argmax(1).eq(y).sum().item<long>();
                        seen += idx.Length;
                    }
                }
                optimizer.step();
                progress?.Report(new ProgressInfo($"training {space.Name} {(net.Fixed is null ? "supernet" : net.Fixed.ToString())} epoch {epoch + 1}/{o.Epochs}",
                    global + 1, totalSteps, $"loss {lossSum / Math.Max(1, seen):F3}"));
            }
            double? big = null, small = null;
            if (o.CurveImages > 0)
            {
                var held = data.HeldOut.Take(o.CurveImages);
                if (net.Fixed is null)
                {
                    big = SharedAccuracy(net, bigArch, data.Train, held, o.RecalibrationImages, o.Seed);
                    small = SharedAccuracy(net, smallArch, data.Train, held, o.RecalibrationImages, o.Seed);
                }
                else
                {
                    net.eval();
                    big = Batches.Accuracy(t => net.Forward(t), held);
                }
            }
            var rec = new EpochRecord(epoch + 1, lossSum / Math.Max(1, seen), 100.0 * correct / Math.Max(1, seen), big, small, sw.Elapsed.TotalSeconds);
            state = state with { Completed = epoch + 1, Curve = [.. state.Curve, rec] };
            if (checkpointDir is not null) Save(net, optimizer, state, checkpointDir);
        }
        net.eval();
        return state;
    }

    private static void Save(SuperNetwork net, optim.Optimizer optimizer, TrainState state, string dir)
    {
        // Weights and optimizer first, then the state that says the epoch is complete: a kill in between repeats the epoch.
        var w = Path.Combine(dir, WeightsFile);
        net.save(w + ".tmp");
        File.Move(w + ".tmp", w, overwrite: true);
        var opt = Path.Combine(dir, OptimizerFile);
        if (optimizer is TorchSharp.Modules.OptimizerHelper h)
        {
            h.save_state_dict(opt + ".tmp");
            File.Move(opt + ".tmp", opt, overwrite: true);
        }
        var s = Path.Combine(dir, StateFile);
        File.WriteAllText(s + ".tmp", JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(s + ".tmp", s, overwrite: true);
    }

    /// <summary>Loads a finished (or partial) training run's weights into <paramref name="net"/>; returns its state.</summary>
    public static TrainState Load(SuperNetwork net, string checkpointDir)
    {
        var statePath = Path.Combine(checkpointDir, StateFile);
        if (!File.Exists(statePath)) throw new MathNasException($"'{checkpointDir}' holds no trained network ({StateFile} is missing)");
        var state = JsonSerializer.Deserialize<TrainState>(File.ReadAllText(statePath)) ?? throw new MathNasException($"'{statePath}' is empty");
        if (state.Space != net.Space.Name) throw new MathNasException($"'{checkpointDir}' holds a network of space '{state.Space}', not '{net.Space.Name}'");
        if (state.Completed == 0) throw new MathNasException($"'{checkpointDir}': no epoch has completed yet");
        net.load(Path.Combine(checkpointDir, WeightsFile));
        net.eval();
        return state;
    }

    /// <summary>The sub-network with the most (or fewest) FLOPs: per node the block with the most (fewest) FLOPs.</summary>
    public static Architecture Extreme(SearchSpace space, bool largest) =>
        new(space.Nodes.Select(n =>
        {
            int best = 0;
            for (int j = 1; j < n.Count; j++)
                if (largest ? n.Blocks[j].Flops > n.Blocks[best].Flops : n.Blocks[j].Flops < n.Blocks[best].Flops) best = j;
            return best;
        }));

    /// <summary>Accuracy (%) of sub-network <paramref name="a"/> with the supernet's shared weights on
    /// <paramref name="evalSet"/>, after recalibrating batch norm on the first <paramref name="recalImages"/> images of
    /// a seeded shuffle of <paramref name="recalSet"/>.</summary>
    public static double SharedAccuracy(SuperNetwork net, Architecture a, ImageSet recalSet, ImageSet evalSet, int recalImages, int seed)
    {
        var order = Enumerable.Range(0, recalSet.Count).ToArray();
        new Random(seed).Shuffle(order);
        var recal = order[..Math.Min(recalImages, order.Length)];
        var batches = new List<Tensor>();
        try
        {
            foreach (var (x, y) in Batches.Sequential(recalSet, 250, recal)) { batches.Add(x); y.Dispose(); }
            net.Recalibrate(a, batches);
        }
        finally { foreach (var b in batches) b.Dispose(); }
        return Batches.Accuracy(t => net.Forward(t, a), evalSet);
    }
}
