using System.Text.Json;
using System.Text.Json.Nodes;
using MathNas.Spaces;
using MathNas.Torch.Data;
using MathNas.Torch.Nn;
using MathNas.Torch.Training;

namespace MathNas.Torch.Pipeline;

/// <summary>The description saved beside an exported network's weights (network.json).</summary>
public sealed record ExportedNetworkInfo
{
    public string Space { get; init; } = "";
    public string Architecture { get; init; } = "";
    public string Description { get; init; } = "";
    public JsonNode? Config { get; init; }
    public double Flops { get; init; }
    public double Params { get; init; }
    public string FlopsUnit { get; init; } = "";
    public string ParamsUnit { get; init; } = "";
    public string Supernet { get; init; } = "";
    public int RecalibrationImages { get; init; }
    public Dictionary<string, double> Predicted { get; init; } = new();
    public DateTimeOffset Date { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// Export: a sub-network's own weights cut out of a trained supernet (batch norm recalibrated for it) saved as a
/// stand-alone TorchSharp network (weights.bin) with its description (network.json); and loading it back.
/// </summary>
public static class ExportedNetwork
{
    public const string InfoFile = "network.json", WeightsFile = "weights.bin";
    /// <summary>Written last: sizes and SHA-256 of both files, checked by <see cref="Load"/> (a half-written or mixed
    /// export is refused).</summary>
    public const string ManifestFile = "manifest.json";
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static ExportedNetworkInfo Export(SuperNetwork supernet, Architecture a, ImageSet recalibration, int recalibrationImages, int seed,
        string outDir, string supernetSource, IReadOnlyDictionary<string, double>? predicted = null)
    {
        if (supernet.Space is not TorchSearchSpace space) throw new MathNasException($"space '{supernet.Space.Name}' has no TorchSharp networks");
        space.Validate(a);
        Directory.CreateDirectory(outDir);
        var order = Enumerable.Range(0, recalibration.Count).ToArray();
        new Random(seed).Shuffle(order);
        var batches = Batches.Sequential(recalibration, 250, order[..Math.Min(recalibrationImages, order.Length)]).Select(b => { b.Y.Dispose(); return b.X; }).ToList();
        try { supernet.Recalibrate(a, batches); }
        finally { foreach (var b in batches) b.Dispose(); }
        using var net = space.CreateNetwork(a);
        net.CopyFrom(supernet);
        var info = new ExportedNetworkInfo
        {
            Space = space.Name, Architecture = a.ToString(), Description = space.Describe(a),
            Config = JsonSerializer.SerializeToNode(space.ConfigObject, space.ConfigObject.GetType(), Json),
            Flops = space.Flops(a), Params = space.Params(a), FlopsUnit = space.FlopsUnit, ParamsUnit = space.ParamsUnit,
            Supernet = supernetSource, RecalibrationImages = recalibrationImages,
            Predicted = predicted?.ToDictionary() ?? new(),
        };
        // One unit: both files written whole, then renamed into place, then the manifest (IO.AtomicFile.WriteGroup).
        var text = JsonSerializer.Serialize(info, Json);
        IO.AtomicFile.WriteGroup(outDir, [(WeightsFile, tmp => net.save(tmp)), (InfoFile, tmp => File.WriteAllText(tmp, text))], ManifestFile);
        return info;
    }

    public static (ExportedNetworkInfo Info, SuperNetwork Network) Load(string dir)
    {
        var infoPath = Path.Combine(dir, InfoFile);
        if (!File.Exists(infoPath)) throw new MathNasException($"'{dir}' is not an exported network ({InfoFile} is missing)");
        IO.AtomicFile.CheckGroup(dir, ManifestFile, "exported network");
        ExportedNetworkInfo info;
        try { info = JsonSerializer.Deserialize<ExportedNetworkInfo>(File.ReadAllText(infoPath), Json) ?? throw new MathNasException($"'{infoPath}' is empty"); }
        catch (JsonException e) { throw new MathNasException($"'{infoPath}' is not valid: {e.Message}"); }
        var space = SpaceRegistry.Resolve(info.Space) as TorchSearchSpace
            ?? throw new MathNasException($"space '{info.Space}' has no TorchSharp networks");
        var config = JsonSerializer.SerializeToNode(space.ConfigObject, space.ConfigObject.GetType(), Json);
        if (!JsonNode.DeepEquals(config, info.Config))
            throw new MathNasException($"'{infoPath}' was exported with other settings of space '{info.Space}' than this build has");
        var a = space.ParseArchitecture(info.Architecture);
        var weights = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weights)) throw new MathNasException($"'{dir}' has no {WeightsFile}");
        TorchRuntime.EnsureLoaded();
        var net = space.CreateNetwork(a);
        try { net.load(weights); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            net.Dispose();
            throw new MathNasException($"'{weights}' does not hold the weights of {info.Architecture}: {e.Message}");
        }
        net.eval();
        return (info, net);
    }
}
