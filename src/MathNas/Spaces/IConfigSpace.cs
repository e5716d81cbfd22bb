namespace MathNas.Spaces;

/// <summary>
/// A space whose networks have a native config in the original project's own format (OFA's ks/e/d, NASViT's
/// resolution/width/kernel_size/expand_ratio/depth, HAT's <c>*-subtransformer</c> keys, NAS-Bench-201's arch string).
/// <see cref="WriteConfig(Architecture)"/> and <see cref="ReadConfig"/> are inverse on every network of the space.
/// </summary>
public interface IConfigSpace
{
    /// <summary>What the config format is, in words (e.g. "OFA MobileNetV3 config (ks, e, d)").</summary>
    string FormatName { get; }

    /// <summary>The native config of a network of this space, as YAML text in the original project's keys.</summary>
    string WriteConfig(Architecture a);

    /// <summary>The network of a native config (YAML text, any of <see cref="ConfigFormats"/>); a <see cref="MathNasException"/> with a one-line reason when it is not one.</summary>
    Architecture ReadConfig(string yamlText, string source = "<config>");

    /// <summary>The layouts <see cref="WriteConfig(Architecture, string)"/> can write, by name; the first is what <see cref="WriteConfig(Architecture)"/> writes.</summary>
    IReadOnlyList<string> ConfigFormats => ["default"];

    /// <summary>The native config in one of <see cref="ConfigFormats"/>; an unknown name is a <see cref="MathNasException"/>.</summary>
    string WriteConfig(Architecture a, string format)
    {
        NativeConfigs.CheckFormat(this, format);
        return WriteConfig(a);
    }

    /// <summary>Whether a file of this format may start with '#' comment lines (false for JSON layouts).</summary>
    bool ConfigTakesComments(string format) => true;
}

/// <summary>Helpers for native configs of <see cref="IConfigSpace"/> spaces.</summary>
public static class NativeConfigs
{
    /// <summary>True when the text names a config file: YAML (.yml / .yaml) or JSON (.json, e.g. OFA's arch dict).</summary>
    public static bool IsConfigPath(string text)
    {
        var t = text.Trim();
        return t.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || t.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || t.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The space as a config space, or a clear error when it has no native config.</summary>
    public static IConfigSpace Require(SearchSpace space) => space as IConfigSpace
        ?? throw new MathNasException($"space '{space.Name}' has no native config format (configs exist for nasbench201, the mobilenetv3 views, supervit* and supertransformer)");

    /// <summary>The format name itself when the space writes it, else a one-line error naming the formats it has; null means the default (first) one.</summary>
    public static string CheckFormat(IConfigSpace space, string? format)
    {
        var formats = space.ConfigFormats;
        if (format is null) return formats[0];
        foreach (var f in formats) if (string.Equals(f, format, StringComparison.OrdinalIgnoreCase)) return f;
        throw new MathNasException($"config format '{format}' is not one this space writes ({string.Join(", ", formats)}; default {formats[0]})");
    }

    /// <summary>Reads a native config file of the space.</summary>
    public static Architecture Load(IConfigSpace space, string path)
    {
        var p = path.Trim();
        if (!File.Exists(p)) throw new MathNasException($"config file '{p}' does not exist");
        return space.ReadConfig(SafeYaml.ReadFile(p, $"config file '{p}'", SafeYaml.Config), p);
    }

    /// <summary>
    /// Writes the native config of <paramref name="a"/> to <paramref name="path"/> (via a temporary file), preceded by
    /// '#' comment lines (<paramref name="header"/>) that YAML readers ignore, so the file stays loadable by the original project.
    /// </summary>
    /// <para><paramref name="format"/> is one of the space's <see cref="IConfigSpace.ConfigFormats"/> (null: the default); a format
    /// that takes no comments (JSON) is written without the header.</para>
    public static void Save(IConfigSpace space, Architecture a, string path, IEnumerable<string>? header = null, string? format = null)
    {
        var f = CheckFormat(space, format);
        var sb = new System.Text.StringBuilder();
        if (space.ConfigTakesComments(f))
            foreach (var line in header ?? [])
                foreach (var l in line.Split('\n')) sb.Append("# ").Append(l.TrimEnd('\r')).Append('\n');
        sb.Append(space.WriteConfig(a, f));
        MathNas.IO.AtomicFile.WriteAllText(path, sb.ToString());
    }
}
