using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace MathNas.Spaces;

/// <summary>
/// The one guarded way every YAML (and JSON-as-YAML) reader of the project loads text: before any tree is built,
/// a streaming pass over the parser's events enforces the limits below, so that a small hostile file cannot
/// overflow the stack (deep nesting), expand to millions of nodes (alias "billion laughs"), hide a second
/// document, or repeat a key (last-wins). Every violation is a one-line <see cref="MathNasException"/>.
/// </summary>
public static class SafeYaml
{
    /// <summary>Caps applied to one YAML text.</summary>
    /// <param name="MaxChars">Longest text accepted (characters).</param>
    /// <param name="MaxDepth">Deepest nesting of mappings and sequences.</param>
    /// <param name="MaxNodes">Most nodes (scalars, mappings, sequences) after expanding every alias.</param>
    /// <param name="MaxAliases">Most alias references (<c>*name</c>).</param>
    public sealed record Limits(int MaxChars, int MaxDepth, long MaxNodes, int MaxAliases);

    /// <summary>Limits for small native config files (a few keys and lists).</summary>
    public static readonly Limits Config = new(MaxChars: 1 << 20, MaxDepth: 16, MaxNodes: 100_000, MaxAliases: 100);

    /// <summary>Limits for search-space files (up to tens of thousands of blocks: SpaceFile.MaxBlocks).</summary>
    public static readonly Limits Space = new(MaxChars: 16 << 20, MaxDepth: 32, MaxNodes: 400_000, MaxAliases: 10_000);

    /// <summary>Throws when <paramref name="text"/> breaks a limit, holds more than one document, repeats a key or is not YAML.</summary>
    /// <param name="what">How messages name the input, e.g. <c>space file 'x.yml'</c>.</param>
    public static void Check(string text, string what, Limits limits)
    {
        if (text.Length > limits.MaxChars)
            throw new MathNasException($"{what} is too large: {text.Length:N0} characters (at most {limits.MaxChars:N0})");
        var parser = new Parser(new StringReader(text));
        var frames = new Stack<Frame>();
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        long nodes = 0; // nodes so far, every alias expanded
        int aliases = 0, documents = 0;
        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                switch (ev)
                {
                    case DocumentStart:
                        if (++documents > 1)
                            throw new MathNasException($"{what} line {ev.Start.Line}: holds more than one YAML document ('---'); expected exactly one");
                        break;
                    case Scalar s:
                        KeyCheck(frames, s, what);
                        Count(frames, ref nodes, 1, what, limits, ev);
                        if (!s.Anchor.IsEmpty) anchors[s.Anchor.Value] = 1;
                        break;
                    case AnchorAlias a:
                        KeyCheck(frames, null, what);
                        if (++aliases > limits.MaxAliases)
                            throw new MathNasException($"{what} line {ev.Start.Line}: more than {limits.MaxAliases:N0} YAML aliases");
                        if (!anchors.TryGetValue(a.Value.Value, out var aliasSize))
                            throw new MathNasException($"{what} line {ev.Start.Line}: alias '*{TextSafety.Escape(a.Value.Value)}' names no anchor before it");
                        Count(frames, ref nodes, aliasSize, what, limits, ev);
                        break;
                    case MappingStart ms:
                        KeyCheck(frames, null, what);
                        Count(frames, ref nodes, 1, what, limits, ev, leaf: false);
                        Open(frames, new Frame(true, ms.Anchor.IsEmpty ? null : ms.Anchor.Value), what, limits, ev);
                        break;
                    case SequenceStart ss:
                        KeyCheck(frames, null, what);
                        Count(frames, ref nodes, 1, what, limits, ev, leaf: false);
                        Open(frames, new Frame(false, ss.Anchor.IsEmpty ? null : ss.Anchor.Value), what, limits, ev);
                        break;
                    case MappingEnd or SequenceEnd:
                    {
                        var f = frames.Pop();
                        long size = f.Nodes + 1; // the collection and everything in it
                        if (f.Anchor is not null) anchors[f.Anchor] = size;
                        if (frames.Count > 0) frames.Peek().Nodes += size;
                        break;
                    }
                }
            }
        }
        catch (YamlException e)
        {
            throw new MathNasException($"{what} line {e.Start.Line}: {Describe(e)}");
        }
        if (documents == 0) throw new MathNasException($"{what} is empty");
    }

    /// <summary>The text of a YAML file, refused before reading when the file is larger than the limits allow.</summary>
    public static string ReadFile(string path, string what, Limits limits)
    {
        try
        {
            var len = new FileInfo(path).Length;
            if (len > 4L * limits.MaxChars)
                throw new MathNasException($"{what} is too large: {len:N0} bytes (at most {limits.MaxChars:N0} characters)");
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MathNasException($"cannot read {what}: {TextSafety.Escape(e.Message)}");
        }
    }

    /// <summary><see cref="Check"/>, then the single document as a representation tree.</summary>
    public static YamlNode LoadRoot(string text, string what, Limits limits)
    {
        Check(text, what, limits);
        var ys = new YamlStream();
        try { ys.Load(new StringReader(text)); }
        catch (YamlException e) { throw new MathNasException($"{what} line {e.Start.Line}: {Describe(e)}"); }
        return ys.Documents[0].RootNode;
    }

    /// <summary>The message of a YamlDotNet error, its inner cause preferred; control characters escaped.</summary>
    public static string Describe(YamlException e) => TextSafety.Escape(e.InnerException?.Message ?? e.Message);

    private sealed class Frame(bool mapping, string? anchor)
    {
        public bool Mapping { get; } = mapping;
        public string? Anchor { get; } = anchor;
        /// <summary>Expanded nodes inside this collection so far.</summary>
        public long Nodes { get; set; }
        /// <summary>Children seen (in a mapping: keys and values alternate).</summary>
        public int Children { get; set; }
        public HashSet<string>? Keys { get; set; }
    }

    private static void Open(Stack<Frame> frames, Frame f, string what, Limits limits, ParsingEvent ev)
    {
        if (frames.Count >= limits.MaxDepth)
            throw new MathNasException($"{what} line {ev.Start.Line}: nested more than {limits.MaxDepth} levels deep");
        frames.Push(f);
    }

    /// <summary>In a mapping, at a key position: a scalar key must not repeat.</summary>
    private static void KeyCheck(Stack<Frame> frames, Scalar? key, string what)
    {
        if (frames.Count == 0) return;
        var f = frames.Peek();
        bool atKey = f.Mapping && f.Children % 2 == 0;
        f.Children++;
        if (!atKey || key is null) return;
        f.Keys ??= new HashSet<string>(StringComparer.Ordinal);
        if (!f.Keys.Add(key.Value))
            throw new MathNasException($"{what} line {key.Start.Line}: key '{TextSafety.Escape(key.Value)}' appears twice in the same mapping");
    }

    /// <summary>Counts a scalar (1) or an alias (its anchor's expanded size) into its parent collection and the running total.</summary>
    private static void Count(Stack<Frame> frames, ref long nodes, long size, string what, Limits limits, ParsingEvent ev, bool leaf = true)
    {
        nodes += size;
        if (leaf && frames.Count > 0) frames.Peek().Nodes += size;
        if (nodes > limits.MaxNodes)
            throw new MathNasException($"{what} line {ev.Start.Line}: more than {limits.MaxNodes:N0} YAML nodes (aliases expanded)");
    }
}
