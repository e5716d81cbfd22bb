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
    /// <summary>What the data split is (source, seed, held-out size): saved with the checkpoint, and a resumed run
    /// must have the same, so that held-out images can never have been trained on.</summary>
    public string Data { get; init; } = "";
}

/// <summary>One point of the training curve.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double TrainAccuracy, double? LargestAccuracy, double? SmallestAccuracy, double Seconds);

/// <summary>The persistent state of a training run (saved in the checkpoint with the weights and optimizer state).</summary>
public sealed record TrainState
{
    public string Space { get; init; } = "";
    public string Architecture { get; init; } = "";
    public int Seed { get; init; }
    public int Epochs { get; init; }
    public string Sampling { get; init; } = "";
    public int TrainImages { get; init; }
    public string Data { get; init; } = "";
    public int Completed { get; init; }
    public List<EpochRecord> Curve { get; init; } = [];

    /// <summary>The held-out split size recorded in <see cref="Data"/> ("..., N held-out"), or null.</summary>
    public int? HeldOutImages()
    {
        var m = System.Text.RegularExpressions.Regex.Match(Data, @"(\d+) held-out");
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}

/// <summary>
/// Trains a weight-sharing supernet (uniform path sampling or the sandwich rule, seeded) or a stand-alone network,
/// with SGD (Nesterov momentum, cosine learning rate per step), checkpointing weights, optimizer state and the curve
/// after every epoch as one file (<see cref="CheckpointFile"/>, written atomically), so a kill at any moment leaves
/// the state of one completed epoch, whole; a run started again on the same folder resumes after it and ends with the
/// same bytes as an unbroken run. Every random choice of an epoch derives from (seed, epoch) through <see cref="Seeds"/>.
/// </summary>
public static class SupernetTrainer
{
    /// <summary>The checkpoint: state (JSON), weights and optimizer state of the last completed epoch in one file.</summary>
    public const string CheckpointFile = "checkpoint.bin";
    private const string Magic = "mathnas-training-checkpoint";
    private const int CheckpointVersion = 1;
    // Streams of Seeds.Derive: what each derived seed is for.
    private const long EpochShuffleStream = 1, EpochTorchStream = 2;
    private static readonly JsonSerializerOptions StateJson = new() { WriteIndented = true };

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
            Sampling = o.Sampling, TrainImages = data.Train.Count, Data = o.Data,
        };
        using var optimizer = new MomentumSgd(net.parameters(), o.Momentum, o.WeightDecay);
        if (checkpointDir is not null)
        {
            Directory.CreateDirectory(checkpointDir);
            RefuseOldFormat(checkpointDir);
            var saved = ReadCheckpoint(checkpointDir, null, null);
            if (saved is not null)
            {
                if (saved.Space != state.Space || saved.Architecture != state.Architecture || saved.Seed != state.Seed
                    || saved.Epochs != state.Epochs || saved.Sampling != state.Sampling || saved.TrainImages != state.TrainImages || saved.Data != state.Data)
                    throw new MathNasException($"'{checkpointDir}' holds a different training run ({saved.Space} {saved.Architecture}, seed {saved.Seed}, {saved.Epochs} epochs, {saved.Sampling}, {saved.TrainImages} images, data '{saved.Data}'): use another folder or delete it");
                ReadCheckpoint(checkpointDir, net, optimizer);
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
            var rng = new Random(Seeds.Derive(o.Seed, EpochShuffleStream, epoch));
            torch.manual_seed(Seeds.Derive(o.Seed, EpochTorchStream, epoch));
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
                var idx = order.AsSpan(step * o.BatchSize, Math.Min(o.BatchSize, order.Length - step * o.BatchSize));
                var (x, y) = Batches.Get(data.Train, idx);
                optimizer.ZeroGrad();
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
                optimizer.Step(lr);
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

    /// <summary>
    /// Saves state, weights and optimizer state as one file, atomically (<see cref="IO.AtomicFile"/>): the state that
    /// says an epoch is complete and that epoch's weights can never be separated by a kill.
    /// </summary>
    private static void Save(SuperNetwork net, MomentumSgd optimizer, TrainState state, string dir) =>
        IO.AtomicFile.Write(Path.Combine(dir, CheckpointFile), stream =>
        {
            using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(CheckpointVersion);
            w.Write(JsonSerializer.Serialize(state, StateJson));
            net.save(w);
            optimizer.Save(w);
            w.Flush();
        });

    /// <summary>The state of the checkpoint in <paramref name="dir"/> (null when there is none), with its weights (and
    /// optimizer state, when <paramref name="optimizer"/> is given) loaded.</summary>
    private static TrainState? ReadCheckpoint(string dir, SuperNetwork? net, MomentumSgd? optimizer)
    {
        var path = Path.Combine(dir, CheckpointFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var f = File.OpenRead(path);
            using var r = new BinaryReader(f, System.Text.Encoding.UTF8);
            if (r.ReadString() != Magic) throw new MathNasException($"'{path}' is not a training checkpoint");
            int version = r.ReadInt32();
            if (version != CheckpointVersion) throw new MathNasException($"'{path}' has checkpoint version {version}; this tool reads version {CheckpointVersion}");
            var state = JsonSerializer.Deserialize<TrainState>(r.ReadString(), StateJson) ?? throw new MathNasException($"'{path}' holds no training state");
            if (net is not null && state.Space != net.Space.Name)
                throw new MathNasException($"'{dir}' holds a network of space '{state.Space}', not '{net.Space.Name}'");
            if (net is not null) net.load(r);
            if (optimizer is not null) optimizer.Load(r);
            return state;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new MathNasException($"'{path}' is not a valid training checkpoint: {e.Message}");
        }
    }

    private static void RefuseOldFormat(string dir)
    {
        if (!File.Exists(Path.Combine(dir, CheckpointFile)) && File.Exists(Path.Combine(dir, "train.json")))
            throw new MathNasException($"'{dir}' holds a checkpoint of an older format (train.json, weights.bin and optimizer.bin): delete the folder and train again");
    }

    /// <summary>Loads a finished (or partial) training run's weights into <paramref name="net"/>; returns its state.</summary>
    public static TrainState Load(SuperNetwork net, string checkpointDir)
    {
        RefuseOldFormat(checkpointDir);
        if (!File.Exists(Path.Combine(checkpointDir, CheckpointFile)))
            throw new MathNasException($"'{checkpointDir}' holds no trained network ({CheckpointFile} is missing)");
        var state = ReadCheckpoint(checkpointDir, null, null)!;
        if (state.Space != net.Space.Name) throw new MathNasException($"'{checkpointDir}' holds a network of space '{state.Space}', not '{net.Space.Name}'");
        if (state.Completed == 0) throw new MathNasException($"'{checkpointDir}': no epoch has completed yet");
        ReadCheckpoint(checkpointDir, net, null);
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
