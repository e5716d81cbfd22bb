using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.NasBench201;
using MathNas.Spaces.SuperTransformer;
using MathNas.Spaces.SuperViT;

namespace MathNas.Reference;

/// <summary>
/// The reference project's own code of a network given as a config file, the way its <c>predict.py</c> reads it:
/// NAS-Bench-201 <c>archcode</c> (or the arch string), MobileNetV3 <c>encodearch</c> (or, without it, the candidates of the
/// device's block set that the ks/e/d stages are), SuperViT <c>utils.supervit_code</c> (any resolution: the code leaves
/// it out), SuperTransformer <c>utils.supertransformer_code</c> (trailing 36 below 6 decoder layers).
/// </summary>
public static class ReferenceConfigs
{
    /// <summary>The reference code of the config text for <c>predict.py</c>'s space (nasbench201, mobilenetv3, supervit, supertransformer).</summary>
    public static int[] Code(string space, string device, string yamlText, string source = "<config>", string? dataDir = null) => space switch
    {
        "nasbench201" => NasBench201Space.Instance.ReadConfig(yamlText, source).ToArray(),
        "mobilenetv3" => MobileNetV3Code(device, yamlText, source, dataDir),
        "supervit" => SuperVitSpace.Encode(SuperVitConfig.Parse(yamlText, source)).ToArray(),
        "supertransformer" => SuperTransformerSpace.ToReferenceCode(ReadSuperTransformer(yamlText, source)),
        _ => throw new MathNasException($"the reference project has no space '{space}' (it has {string.Join(", ", ReferencePredictor.Spaces)})"),
    };

    /// <summary>Reads a config file (see <see cref="Code"/>).</summary>
    public static int[] Load(string space, string device, string path, string? dataDir = null)
    {
        var p = path.Trim();
        if (!File.Exists(p)) throw new MathNasException($"config file '{p}' does not exist");
        return Code(space, device, File.ReadAllText(p), p, dataDir);
    }

    private static Architecture ReadSuperTransformer(string yamlText, string source)
    {
        try { return SuperTransformerSpace.Encode(SubTransformerConfig.Parse(yamlText, source)); }
        catch (MathNasException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
        {
            throw new MathNasException($"SubTransformer config '{source}': {e.Message}");
        }
    }

    /// <summary>predict.py takes <c>encodearch</c> as it stands; without it, the stages are looked up among the device's candidates.</summary>
    private static int[] MobileNetV3Code(string device, string yamlText, string source, string? dataDir)
    {
        var cfg = OfaConfig.Parse(yamlText, source);
        if (cfg.EncodeArch is { } enc) return enc;
        var set = device == "tx2gpu" ? "gpu" : "cpu";
        return MobileNetV3Spaces.CandidateView(set, dataDir).FromConfig(cfg, source).ToArray();
    }
}
