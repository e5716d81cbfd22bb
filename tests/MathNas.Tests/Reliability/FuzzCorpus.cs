using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MathNas.LatencyModels;
using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Tests.Reliability;

/// <summary>
/// A generated corpus of bad inputs for every file reader of the library, from a fixed seed (the same inputs in
/// every run). Every input is bad by construction (a mutation that no valid file has), so the only right answer
/// is a <see cref="MathNasException"/>. Inputs are built in memory; the readers that only take paths get small temp files.
/// </summary>
public static class FuzzCorpus
{
    public const int Seed = 20261201;

    // ------------------------------------------------------------------ a tiny YAML/JSON tree model

    public abstract record Y;
    /// <summary>A scalar, written as is (quote strings yourself: <see cref="Str"/>).</summary>
    public sealed record YS(string Raw) : Y;
    public sealed record YL(List<Y> Items) : Y;
    public sealed record YM(List<KeyValuePair<string, Y>> Pairs) : Y;

    public static YS Str(string s) => new(JsonSerializer.Serialize(s));
    public static YS Num(double v) => new(v.ToString("R", CultureInfo.InvariantCulture));
    public static YM Map(params (string K, Y V)[] kv) => new(kv.Select(p => new KeyValuePair<string, Y>(p.K, p.V)).ToList());
    public static YL List(params Y[] items) => new(items.ToList());

    public static Y Clone(Y y) => y switch
    {
        YS s => s,
        YL l => new YL(l.Items.Select(Clone).ToList()),
        YM m => new YM(m.Pairs.Select(p => new KeyValuePair<string, Y>(p.Key, Clone(p.Value))).ToList()),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Flow style (JSON when every scalar is JSON).</summary>
    public static string Flow(Y y) => y switch
    {
        YS s => s.Raw,
        YL l => "[" + string.Join(", ", l.Items.Select(Flow)) + "]",
        YM m => "{" + string.Join(", ", m.Pairs.Select(p => JsonSerializer.Serialize(p.Key) + ": " + Flow(p.Value))) + "}",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Block style YAML.</summary>
    public static string Block(Y y)
    {
        var sb = new StringBuilder();
        Emit(y, 0, sb);
        return sb.ToString();

        static void Emit(Y y, int ind, StringBuilder sb)
        {
            var pad = new string(' ', ind);
            switch (y)
            {
                case YS s: sb.Append(pad).Append(s.Raw).Append('\n'); break;
                case YM { Pairs.Count: 0 }: sb.Append(pad).Append("{}\n"); break;
                case YL { Items.Count: 0 }: sb.Append(pad).Append("[]\n"); break;
                case YM m:
                    foreach (var (k, v) in m.Pairs)
                    {
                        sb.Append(pad).Append(k).Append(':');
                        if (v is YS vs) sb.Append(' ').Append(vs.Raw).Append('\n');
                        else { sb.Append('\n'); Emit(v, ind + 2, sb); }
                    }
                    break;
                case YL l:
                    foreach (var v in l.Items)
                    {
                        sb.Append(pad).Append('-');
                        if (v is YS vs) sb.Append(' ').Append(vs.Raw).Append('\n');
                        else { sb.Append('\n'); Emit(v, ind + 2, sb); }
                    }
                    break;
            }
        }
    }

    /// <summary>The map at a path of keys and list indices ("nodes", 1, "blocks", 0).</summary>
    public static YM At(Y root, params object[] path)
    {
        Y cur = root;
        foreach (var p in path)
            cur = p switch
            {
                string k => ((YM)cur).Pairs.First(x => x.Key == k).Value,
                int i => ((YL)cur).Items[i],
                _ => throw new InvalidOperationException(),
            };
        return (YM)cur;
    }

    public static void Set(YM m, string key, Y v)
    {
        int i = m.Pairs.FindIndex(p => p.Key == key);
        if (i < 0) m.Pairs.Add(new(key, v)); else m.Pairs[i] = new(key, v);
    }

    public static void Drop(YM m, string key) => m.Pairs.RemoveAll(p => p.Key == key);

    public static Y Nested(int depth, bool maps, Y leaf)
    {
        Y y = leaf;
        for (int i = 0; i < depth; i++) y = maps ? Map(("a", y)) : List(y);
        return y;
    }

    /// <summary>Nesting as text (a tree this deep cannot be built recursively by the generator either).</summary>
    public static string NestedText(int depth, bool maps) =>
        maps ? string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth)
             : new string('[', depth) + "1" + new string(']', depth);

    /// <summary>Anchors doubling at every level: 2^levels nodes from a few hundred bytes.</summary>
    public static string AliasBomb(int levels, int width, string key = "zz")
    {
        var sb = new StringBuilder();
        sb.Append(key).Append("0: &a0 [1, 2, 3]\n");
        for (int i = 1; i <= levels; i++)
            sb.Append(key).Append(i).Append(": &a").Append(i).Append(" [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", width))).Append("]\n");
        return sb.ToString();
    }

    // ------------------------------------------------------------------ search-space files

    /// <summary>A valid space file: 3 nodes of 3 blocks, one consistency constraint.</summary>
    public static YM SpaceTree() => Map(
        ("name", Str("fz")),
        ("description", Str("fuzz base")),
        ("fixed_flops", Num(10)),
        ("fixed_params", Num(0.5)),
        ("nodes", List(
            Map(("name", Str("n0")), ("base", Str("a")), ("blocks", List(
                Map(("name", Str("a")), ("flops", Num(1)), ("params", Num(0.1))),
                Map(("name", Str("b")), ("flops", Num(2)), ("params", Num(0.2))),
                Map(("name", Str("c")), ("flops", Num(3)), ("params", Num(0.3)))))),
            Map(("name", Str("n1")), ("blocks", List(
                Map(("name", Str("a")), ("flops", Num(4))),
                Map(("name", Str("b")), ("flops", Num(5))),
                Map(("name", Str("c")), ("flops", Num(6)))))),
            Map(("name", Str("n2")), ("base", Str("1")), ("blocks", List(
                Map(("name", Str("a")), ("flops", Num(7)), ("params", Num(1))),
                Map(("name", Str("b")), ("flops", Num(8)), ("params", Num(2))),
                Map(("name", Str("skip")), ("flops", Num(0)), ("params", Num(0)))))))),
        ("constraints", List(
            Map(("name", Str("c0")), ("rhs", Num(1)), ("terms", List(
                Map(("node", Str("n1")), ("block", Str("c")), ("coef", Num(1))),
                Map(("node", Str("n2")), ("block", Str("skip")), ("coef", Num(1)))))))));

    /// <summary>Mutations of the space tree, each of which makes the file invalid.</summary>
    /// <summary>The line of <paramref name="text"/> that holds position <paramref name="at"/>.</summary>
    private static string LineAt(string text, int at)
    {
        int start = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
        int end = text.IndexOf('\n', at);
        return text[start..(end < 0 ? text.Length : end)];
    }

    private static IEnumerable<(string Name, Action<YM> Mutate)> SpaceMutations()
    {
        string[] nonFinite = [".nan", ".NaN", ".inf", "-.inf", "+.inf", "1e400", "-1e400", "1e99999"];
        string[] notNumbers = ["\"abc\"", "[1]", "{a: 1}", "true", "0x", "1..2", "\"1e\""];
        (string, object[])[] numberPlaces =
        [
            ("fixed_flops", []), ("fixed_params", []),
            ("flops", ["nodes", 0, "blocks", 1]), ("params", ["nodes", 2, "blocks", 0]), ("flops", ["nodes", 1, "blocks", 2]),
            ("rhs", ["constraints", 0]), ("coef", ["constraints", 0, "terms", 1]),
        ];
        foreach (var (key, path) in numberPlaces)
            foreach (var v in nonFinite.Concat(notNumbers))
                yield return ($"{key}@{string.Join('/', path)}={v}", t => Set(At(t, path), key, new YS(v)));
        // sums that overflow although every value is finite
        yield return ("flops overflow", t => { Set(t, "fixed_flops", Num(1e308)); foreach (var i in new[] { 0, 1, 2 }) Set(At(t, "nodes", i, "blocks", 0), "flops", Num(1e308)); });
        yield return ("params overflow", t => { foreach (var i in new[] { 0, 1, 2 }) Set(At(t, "nodes", i, "blocks", 2), "params", Num(-1.7e308)); });
        yield return ("coef overflow", t => { Set(At(t, "constraints", 0, "terms", 0), "coef", Num(1.5e308)); Set(At(t, "constraints", 0, "terms", 1), "coef", Num(1.5e308)); });
        // missing required keys
        yield return ("no name", t => Drop(t, "name"));
        yield return ("empty name", t => Set(t, "name", Str("  ")));
        yield return ("no nodes", t => Drop(t, "nodes"));
        yield return ("empty nodes", t => Set(t, "nodes", List()));
        yield return ("null nodes", t => Set(t, "nodes", new YS("~")));
        yield return ("no blocks", t => Drop(At(t, "nodes", 1), "blocks"));
        yield return ("empty blocks", t => Set(At(t, "nodes", 1), "blocks", List()));
        yield return ("no flops", t => Drop(At(t, "nodes", 2, "blocks", 1), "flops"));
        yield return ("null flops", t => Set(At(t, "nodes", 2, "blocks", 1), "flops", new YS("~")));
        yield return ("no rhs", t => Drop(At(t, "constraints", 0), "rhs"));
        yield return ("no terms", t => Drop(At(t, "constraints", 0), "terms"));
        yield return ("empty terms", t => Set(At(t, "constraints", 0), "terms", List()));
        yield return ("null node", t => ((YL)t.Pairs.First(p => p.Key == "nodes").Value).Items[1] = new YS("~"));
        yield return ("null block", t => ((YL)At(t, "nodes", 0).Pairs.First(p => p.Key == "blocks").Value).Items[1] = new YS("~"));
        yield return ("null term", t => ((YL)At(t, "constraints", 0).Pairs.First(p => p.Key == "terms").Value).Items[0] = new YS("~"));
        yield return ("null constraint", t => ((YL)t.Pairs.First(p => p.Key == "constraints").Value).Items[0] = new YS("~"));
        // unknown keys at every level
        foreach (var (where, path) in new (string, object[])[] { ("top", []), ("node", ["nodes", 1]), ("block", ["nodes", 0, "blocks", 2]), ("constraint", ["constraints", 0]), ("term", ["constraints", 0, "terms", 0]) })
            foreach (var k in new[] { "latency", "zz_unknown", "Flops", "flops_" })
                yield return ($"unknown key {k} in {where}", t => At(t, path).Pairs.Add(new(k, Num(1))));
        // duplicate keys (last-wins would hide the first)
        foreach (var (where, key, path) in new (string, string, object[])[] { ("top", "name", []), ("top", "fixed_flops", []), ("top", "nodes", []), ("node", "name", ["nodes", 1]), ("block", "flops", ["nodes", 0, "blocks", 0]), ("constraint", "rhs", ["constraints", 0]), ("term", "coef", ["constraints", 0, "terms", 1]) })
            yield return ($"duplicate {key} in {where}", t => { var m = At(t, path); m.Pairs.Add(new(key, Clone(m.Pairs.First(p => p.Key == key).Value))); });
        // names
        yield return ("duplicate node names", t => Set(At(t, "nodes", 1), "name", Str("n0")));
        yield return ("duplicate block names", t => Set(At(t, "nodes", 1, "blocks", 2), "name", Str("a")));
        foreach (var b in new[] { "nope", "99", "-1", "3", "2147483648" })
            yield return ($"base {b}", t => Set(At(t, "nodes", 0), "base", Str(b)));
        yield return ("term names a missing node", t => Set(At(t, "constraints", 0, "terms", 0), "node", Str("ghost")));
        yield return ("term names a missing block", t => Set(At(t, "constraints", 0, "terms", 0), "block", Str("ghost")));
        yield return ("term without block", t => Drop(At(t, "constraints", 0, "terms", 0), "block"));
        yield return ("term without node", t => Drop(At(t, "constraints", 0, "terms", 1), "node"));
        foreach (var (what, path, key) in new (string, object[], string)[] { ("space", [], "name"), ("node", ["nodes", 0], "name"), ("block", ["nodes", 1, "blocks", 0], "name"), ("unit", [], "flops_unit"), ("constraint", ["constraints", 0], "name") })
            foreach (var ctl in new[] { "a\u001b[31mred", "bell\u0007", "nul\u0000x", "cr\rx", "c1\u009bx" })
                yield return ($"control character in {what} {JsonSerializer.Serialize(ctl)}", t => Set(At(t, path), key, Str(ctl)));
        // wrong kinds
        yield return ("nodes is a number", t => Set(t, "nodes", Num(5)));
        yield return ("nodes is a map", t => Set(t, "nodes", Map(("a", Num(1)))));
        yield return ("blocks is a string", t => Set(At(t, "nodes", 0), "blocks", Str("x")));
        yield return ("terms is a number", t => Set(At(t, "constraints", 0), "terms", Num(5)));
        yield return ("name is a list", t => Set(t, "name", List(Num(1))));
        yield return ("constraints is a map", t => Set(t, "constraints", Map(("a", Num(1)))));
        // nesting deeper than any space file needs
        foreach (var d in new[] { 40, 100, 1000 })
            foreach (var maps in new[] { false, true })
                yield return ($"nested {d} {(maps ? "maps" : "lists")}", t => Set(At(t, "nodes", 0, "blocks", 0), "flops", Nested(d, maps, Num(1))));
    }

    public static IEnumerable<FuzzCase> SpaceFiles()
    {
        foreach (var (name, mutate) in SpaceMutations())
        {
            var t = SpaceTree();
            mutate(t);
            var yaml = Block(t);
            var json = Flow(t);
            yield return new("space-yaml", name, () => SpaceFile.Parse(yaml, "fz.yml"));
            yield return new("space-json", name, () => SpaceFile.Parse(json, "fz.json"));
        }
        var baseYaml = Block(SpaceTree());
        var baseJson = Flow(SpaceTree());
        // text-level: deep nesting that no tree could be built for, alias bombs, several documents, roots that are no mapping
        foreach (var d in new[] { 33, 5_000, 50_000 })
            foreach (var maps in new[] { false, true })
            {
                var deep = baseYaml.Replace("fixed_flops: 10", "fixed_flops: " + NestedText(d, maps));
                yield return new("space-yaml", $"text nested {d} {(maps ? "maps" : "lists")}", () => SpaceFile.Parse(deep, "deep.yml"));
                var deepJson = "{\"name\": \"fz\", \"nodes\": " + NestedText(d, maps) + "}";
                yield return new("space-json", $"text nested {d} {(maps ? "maps" : "lists")}", () => SpaceFile.Parse(deepJson, "deep.json"));
            }
        foreach (var (levels, width) in new[] { (20, 2), (25, 2), (40, 2), (8, 10), (12, 10), (6, 64) })
        {
            var bomb = AliasBomb(levels, width, "x") + "name: bomb\nnodes: [{name: n, blocks: *a" + levels + "}]\n";
            yield return new("space-yaml", $"alias bomb {levels}x{width}", () => SpaceFile.Parse(bomb, "bomb.yml"));
            // a bomb made of blocks, all under 'nodes' (the 156 KB / 6 M blocks case of the issue)
            var sb = new StringBuilder("name: bomb\nanchors:\n- &b0 {name: x, flops: 1}\n");
            for (int i = 1; i <= levels; i++) sb.Append("- &b").Append(i).Append(" [").Append(string.Join(", ", Enumerable.Repeat($"*b{i - 1}", width))).Append("]\n");
            sb.Append("nodes: [{name: n, blocks: *b").Append(levels).Append("}]\n");
            var blockBomb = sb.ToString();
            yield return new("space-yaml", $"block alias bomb {levels}x{width}", () => SpaceFile.Parse(blockBomb, "bomb.yml"));
        }
        yield return new("space-yaml", "many aliases", () => SpaceFile.Parse("name: a\nx: &a 1\ny: [" + string.Join(",", Enumerable.Repeat("*a", 20_000)) + "]\n", "aliases.yml"));
        yield return new("space-yaml", "alias before anchor", () => SpaceFile.Parse("name: *nope\nnodes: []\n", "alias.yml"));
        yield return new("space-yaml", "two documents", () => SpaceFile.Parse(baseYaml + "---\n" + baseYaml, "multi.yml"));
        yield return new("space-yaml", "two documents, explicit", () => SpaceFile.Parse("---\n" + baseYaml + "...\n---\nname: other\n", "multi.yml"));
        yield return new("space-yaml", "second document empty map", () => SpaceFile.Parse(baseYaml + "---\n{}\n", "multi.yml"));
        yield return new("space-json", "two documents", () => SpaceFile.Parse(baseJson + "\n---\n" + baseJson, "multi.json"));
        foreach (var root in new[] { "", "   \n", "# only a comment\n", "~", "null", "[]", "5", "\"text\"", "[1, 2]", "- a\n- b\n", "{}", "---\n", "...\n" })
            yield return new("space-yaml", $"root {JsonSerializer.Serialize(root)}", () => SpaceFile.Parse(root, "root.yml"));
        foreach (var syntax in new[] { "{", "name: [1, 2", "name: 'x", "name: \"x", "\tname: x\n", "name: x\n  - y\nnodes:", "a: b: c", "name: x\n\u0000nodes: []", "? [a\n", "&a &b x", "!!binary x: y", "name: !!int abc\nnodes: []" })
            yield return new("space-yaml", $"syntax {JsonSerializer.Serialize(syntax)}", () => SpaceFile.Parse(syntax, "syntax.yml"));
        yield return new("space-yaml", "too many nodes", () => SpaceFile.Parse("name: big\nnodes:\n" + string.Concat(Enumerable.Range(0, SpaceFile.MaxNodes + 1).Select(i => $"- {{name: n{i}, blocks: [{{flops: 1}}]}}\n")), "big.yml"));
        yield return new("space-yaml", "too many blocks", () => SpaceFile.Parse("name: big\nnodes:\n- blocks:\n" + string.Concat(Enumerable.Range(0, SpaceFile.MaxBlocks + 1).Select(i => $"  - {{name: b{i}, flops: 1}}\n")), "big.yml"));
        yield return new("space-yaml", "too large", () => SpaceFile.Parse("name: x\ndescription: \"" + new string('x', SafeYaml.Space.MaxChars) + "\"\nnodes: []\n", "huge.yml"));
        // truncated JSON: the root object is never closed
        var rng = new Random(Seed);
        for (int i = 0; i < 120; i++)
        {
            int cut = rng.Next(1, baseJson.Length - 1);
            var text = baseJson[..cut];
            yield return new("space-json", $"truncated at {cut}", () => SpaceFile.Parse(text, "cut.json"));
        }
    }

    // ------------------------------------------------------------------ tables files

    public static SearchSpace FuzzSpace() => SpaceFile.Parse(Block(SpaceTree()), "fz.yml");

    public static string TablesJson()
    {
        var set = new TableSet { Space = "fz" };
        set.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = 70, Deltas = [[0, 1, 2], [0, -1, 1], [0, 0.5, 3]], ReferenceFlops = 20, Provenance = new Provenance { Estimator = "single", Evaluations = 7, Date = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) } });
        set.Add(new BlockTable { Metric = "latency:dev", Unit = "ms", BaseValue = 10, Deltas = [[0, 1, 2], [0, -1, 1], [1, 0, 3]], Provenance = new Provenance { Estimator = "single", Evaluations = 7, Date = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) } });
        return JsonSerializer.Serialize(set, TableSet.JsonOptions);
    }

    /// <summary>Replaces the first occurrence of <paramref name="find"/> (which must be there).</summary>
    private static string Sub(string text, string find, string with)
    {
        int i = text.IndexOf(find, StringComparison.Ordinal);
        if (i < 0) throw new InvalidOperationException($"'{find}' is not in the base text");
        return text[..i] + with + text[(i + find.Length)..];
    }

    public static IEnumerable<FuzzCase> TablesFiles()
    {
        var space = FuzzSpace();
        var b = TablesJson();
        object Read(string text) { var t = TableSet.Parse(text, "t.json"); t.CheckAgainst(space); return t; }
        var cases = new List<(string, string)>
        {
            ("unknown top key", Sub(b, "\"version\": 1", "\"version\": 1, \"zz_unknown\": 1")),
            ("unknown table key", Sub(b, "\"unit\": \"%\"", "\"unit\": \"%\", \"latency\": 3")),
            ("unknown provenance key", Sub(b, "\"estimator\": \"single\"", "\"estimator\": \"single\", \"seed\": 3")),
            ("duplicate top key", Sub(b, "\"version\": 1", "\"version\": 1, \"version\": 1")),
            ("duplicate space", Sub(b, "\"space\": \"fz\"", "\"space\": \"other\", \"space\": \"fz\"")),
            ("duplicate table", Sub(b, "\"tables\": {", "\"tables\": { \"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[0,0,0],[0,0,0],[0,0,0]]},")),
            ("duplicate base value", Sub(b, "\"base_value\": 70", "\"base_value\": 1, \"base_value\": 70")),
            ("duplicate deltas", Sub(b, "\"deltas\": [", "\"deltas\": [[0,0,0],[0,0,0],[0,0,0]], \"deltas\": [")),
            ("metric mismatch", Sub(b, "\"metric\": \"latency:dev\"", "\"metric\": \"latency:other\"")),
            ("version 2", Sub(b, "\"version\": 1", "\"version\": 2")),
            ("version as text", Sub(b, "\"version\": 1", "\"version\": \"1\"")),
            ("other space", Sub(b, "\"space\": \"fz\"", "\"space\": \"other\"")),
            ("empty space", Sub(b, "\"space\": \"fz\"", "\"space\": \"\"")),
            ("null space", Sub(b, "\"space\": \"fz\"", "\"space\": null")),
            ("no space", Sub(b, "\"space\": \"fz\",", "")),
            ("null tables", "{\"version\": 1, \"space\": \"fz\", \"tables\": null}"),
            ("empty tables", "{\"version\": 1, \"space\": \"fz\", \"tables\": {}}"),
            ("tables is a list", "{\"version\": 1, \"space\": \"fz\", \"tables\": []}"),
            ("null table", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": null}}"),
            ("negative base latency", Sub(b, "\"base_value\": 10", "\"base_value\": -0.5")),
            ("base value NaN string", Sub(b, "\"base_value\": 70", "\"base_value\": \"NaN\"")),
            ("base value NaN literal", Sub(b, "\"base_value\": 70", "\"base_value\": NaN")),
            ("base value Infinity", Sub(b, "\"base_value\": 70", "\"base_value\": \"Infinity\"")),
            ("base value 1e400", Sub(b, "\"base_value\": 70", "\"base_value\": 1e400")),
            ("base value null", Sub(b, "\"base_value\": 70", "\"base_value\": null")),
            ("base value text", Sub(b, "\"base_value\": 70", "\"base_value\": \"abc\"")),
            ("no base value", Sub(b, "\"base_value\": 70,", "")),
            ("no deltas", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1}}}"),
            ("null deltas", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": null}}}"),
            ("null delta row", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[0,0,0],null,[0,0,0]]}}}"),
            ("empty deltas", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": []}}}"),
            ("too few rows", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[0,0,0],[0,0,0]]}}}"),
            ("too many columns", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[0,0,0,0],[0,0,0],[0,0,0]]}}}"),
            ("delta overflow", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[-1e308,0,0],[-1e308,0,0],[-1e308,0,0]]}}}"),
            ("delta 1e400", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[1e400,0,0],[0,0,0],[0,0,0]]}}}"),
            ("delta NaN", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[\"NaN\",0,0],[0,0,0],[0,0,0]]}}}"),
            ("delta nested", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[[0],0,0],[0,0,0],[0,0,0]]}}}"),
            ("base overflow with deltas", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1.7e308, \"deltas\": [[0,-1e308,0],[0,0,0],[0,0,0]]}}}"),
            ("reference flops 0", Sub(b, "\"reference_flops\": 20", "\"reference_flops\": 0")),
            ("reference flops negative", Sub(b, "\"reference_flops\": 20", "\"reference_flops\": -3")),
            ("reference flops 1e400", Sub(b, "\"reference_flops\": 20", "\"reference_flops\": 1e400")),
            ("error estimate negative", Sub(b, "\"reference_flops\": 20", "\"reference_flops\": 20, \"error_estimate\": -1")),
            ("preferred model unknown", Sub(b, "\"reference_flops\": 20", "\"reference_flops\": 20, \"preferred_accuracy_model\": \"quadratic\"")),
            ("null provenance", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": [[0,0,0],[0,0,0],[0,0,0]], \"provenance\": null}}}"),
            ("negative evaluations", Sub(b, "\"evaluations\": 7", "\"evaluations\": -7")),
            ("evaluations overflow", Sub(b, "\"evaluations\": 7", "\"evaluations\": 99999999999")),
            ("bad date", Sub(b, "\"estimator\": \"single\"", "\"estimator\": \"single\", \"date\": \"yesterday\"")),
            ("not JSON", "name: fz\ntables: {}\n"),
            ("empty", ""),
            ("null", "null"),
            ("list", "[]"),
            ("number", "5"),
            ("string", "\"tables\""),
            ("comments", "// c\n" + b),
            ("trailing comma", Sub(b, "\"version\": 1,", "\"version\": 1,,")),
            ("two documents", b + "\n" + b),
            ("control bytes", "\u001b[2J\u0007" + b),
            ("nested 20", "{\"version\": 1, \"space\": \"fz\", \"tables\": {\"accuracy\": {\"metric\": \"accuracy\", \"base_value\": 1, \"deltas\": " + new string('[', 20) + new string(']', 20) + "}}}"),
            ("nested 100000", new string('[', 100_000) + new string(']', 100_000)),
            ("nested maps 10000", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)),
        };
        foreach (var m in new[] { "latency", "latency:", ":dev", "energy:", "foo", "Accuracy", " accuracy", "flops ", "cost:", "accuracy:x", "lat\u001bency:x" })
        {
            var js = JsonSerializer.Serialize(m);
            cases.Add(($"metric {js}", Sub(Sub(b, "\"latency:dev\": {", js + ": {"), "\"metric\": \"latency:dev\"", "\"metric\": " + js)));
        }
        foreach (var (name, text) in cases) yield return new("tables-json", name, () => Read(text));
        var rng = new Random(Seed + 1);
        var compact = JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(b));
        for (int i = 0; i < 120; i++)
        {
            int cut = rng.Next(1, compact.Length - 1);
            var text = compact[..cut];
            yield return new("tables-json", $"truncated at {cut}", () => Read(text));
        }
    }

    // ------------------------------------------------------------------ native configs of every config space

    public static readonly string[] ConfigSpaces = ["mobilenetv3", "mobilenetv3-stage", "supervit", "supertransformer", "nasbench201"];

    public static IEnumerable<FuzzCase> NativeConfigs()
    {
        foreach (var spaceName in ConfigSpaces)
        {
            var space = SpaceRegistry.Resolve(spaceName);
            var cs = (IConfigSpace)space;
            var valid = cs.WriteConfig(space.BaseArchitecture);
            string reader = $"config-{spaceName}";
            object Read(string text) => cs.ReadConfig(text, "c.yml");
            var lines = valid.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            var firstKeyLine = lines.First(l => !l.StartsWith(' ') && !l.StartsWith('-') && l.Contains(':'));
            var keys = lines.Where(l => !l.StartsWith(' ') && !l.StartsWith('-') && l.Contains(':')).Select(l => l[..l.IndexOf(':')]).ToList();
            var cases = new List<(string, string)>
            {
                ("unknown key", valid + "zz_unknown: 1\n"),
                ("unknown key with control bytes", valid + "\"zz\\e[31m\\a\": 1\n"),
                ("duplicate first key", valid + firstKeyLine + "\n"),
                ("two documents", valid + "---\n" + valid),
                ("two documents, explicit", "---\n" + valid + "...\n---\n" + valid),
                ("second document empty", valid + "---\n{}\n"),
                ("empty", ""),
                ("comment only", "# nothing\n"),
                ("null", "~\n"),
                ("list root", "[1, 2, 3]\n"),
                ("scalar root", "5\n"),
                ("syntax", valid + "{\n"),
                ("too large", valid + "# " + new string('x', SafeYaml.Config.MaxChars) + "\n"),
                ("alias bomb", valid + AliasBomb(30, 2)),
                ("alias bomb wide", valid + AliasBomb(6, 100)),
            };
            foreach (var k in keys)
            {
                cases.Add(($"missing {k}", string.Join('\n', RemoveKey(valid, k)) + "\n"));
                foreach (var d in new[] { 17, 1_000, 50_000 })
                    foreach (var maps in new[] { false, true })
                        cases.Add(($"{k} nested {d} {(maps ? "maps" : "lists")}", string.Join('\n', RemoveKey(valid, k)) + $"\n{k}: {NestedText(d, maps)}\n"));
                cases.Add(($"{k} is a map", string.Join('\n', RemoveKey(valid, k)) + $"\n{k}: {{a: 1}}\n"));
                cases.Add(($"{k} aliases a map", string.Join('\n', RemoveKey(valid, k)) + $"\nzz: &m {{a: 1}}\n{k}: *m\n"));
            }
            // every integer of the valid text replaced by values no space has
            // (numbers inside '#' comment lines, such as the two comment lines of HAT's own layout, are text, not values)
            var numbers = System.Text.RegularExpressions.Regex.Matches(valid, @"(?<![\w.])-?\d+(?![\w.])").Cast<System.Text.RegularExpressions.Match>()
                .Where(m => !LineAt(valid, m.Index).TrimStart().StartsWith('#')).ToList();
            string[] bad = ["999999", "1e12", "3.5", ".nan", ".inf", "x", "2147483648", "-99999", "\"\"", "[]", "~", "0x10"];
            for (int n = 0; n < numbers.Count; n++)
                foreach (var v in bad)
                {
                    var m = numbers[n];
                    cases.Add(($"number {n} ({m.Value}) -> {v}", valid[..m.Index] + v + valid[(m.Index + m.Length)..]));
                }
            foreach (var (name, text) in cases) yield return new(reader, name, () => Read(text));
        }
    }

    /// <summary>The lines of a block-style YAML text without key <paramref name="key"/> and its block list items.</summary>
    private static IEnumerable<string> RemoveKey(string yaml, string key)
    {
        bool skipping = false;
        foreach (var l in yaml.Split('\n'))
        {
            if (l.Length == 0) continue;
            bool top = !l.StartsWith(' ') && !l.StartsWith('-') && !l.StartsWith('#');
            if (top) skipping = l.StartsWith(key + ":", StringComparison.Ordinal);
            if (!skipping) yield return l;
        }
    }

    // ------------------------------------------------------------------ torch .pt files

    /// <summary>A torch-format pickle: _rebuild_tensor_v2(storage(type, key, count), offset, size, stride, False, {}).</summary>
    public static byte[] Pickle(string storageType, long count, long offset, long[] shape, long[] stride, string key = "0", bool stop = true)
    {
        var p = new List<byte> { 0x80, 0x02 };
        void Global(string m, string n) { p.Add((byte)'c'); p.AddRange(Encoding.ASCII.GetBytes(m + "\n" + n + "\n")); }
        void Str(string s) { var b = Encoding.UTF8.GetBytes(s); p.Add((byte)'X'); p.AddRange(BitConverter.GetBytes(b.Length)); p.AddRange(b); }
        void Int(long v)
        {
            if (v >= int.MinValue && v <= int.MaxValue) { p.Add((byte)'J'); p.AddRange(BitConverter.GetBytes((int)v)); }
            else { p.Add(0x8a); p.Add(8); p.AddRange(BitConverter.GetBytes(v)); } // LONG1
        }
        Global("torch._utils", "_rebuild_tensor_v2");
        p.Add((byte)'(');
        p.Add((byte)'(');
        Str("storage"); Global("torch", storageType); Str(key); Str("cpu"); Int(count);
        p.Add((byte)'t');
        p.Add((byte)'Q');
        Int(offset);
        p.Add((byte)'('); foreach (var s in shape) Int(s); p.Add((byte)'t');
        p.Add((byte)'('); foreach (var s in stride) Int(s); p.Add((byte)'t');
        p.Add(0x89);
        p.Add((byte)'}');
        p.Add((byte)'t');
        p.Add((byte)'R');
        if (stop) p.Add((byte)'.');
        return p.ToArray();
    }

    public static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
            foreach (var (name, data) in entries)
            {
                using var s = z.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }

    public static byte[] DoubleStorage(int n)
    {
        var b = new byte[8 * n];
        for (int i = 0; i < n; i++) BitConverter.GetBytes(0.25 * i + 1).CopyTo(b, 8 * i);
        return b;
    }

    /// <summary>A valid 2x3 DoubleStorage tensor file.</summary>
    public static byte[] ValidPt() => Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [2, 3], [3, 1])), ("archive/data/0", DoubleStorage(6)));

    /// <summary>A zip whose one entry is <paramref name="bytes"/> zeros (deflated: a few KB per 10 MB).</summary>
    public static byte[] ZeroBomb(long bytes, string name)
    {
        using var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
        {
            using var s = z.CreateEntry(name, CompressionLevel.Optimal).Open();
            var chunk = new byte[1 << 20];
            for (long w = 0; w < bytes; w += chunk.Length) s.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - w));
        }
        return ms.ToArray();
    }

    public static IEnumerable<FuzzCase> PtFiles()
    {
        var valid = ValidPt();
        FuzzCase C(string name, byte[] bytes) => new("pt", name, () => TorchPtReader.Read(bytes, "f.pt"));
        var pkl = Pickle("DoubleStorage", 6, 0, [2, 3], [3, 1]);
        var data = DoubleStorage(6);
        // shapes and strides checked before anything is allocated
        yield return C("shape 15000x15000 strides 0,0", Zip(("archive/data.pkl", Pickle("FloatStorage", 1, 0, [15000, 15000], [0, 0])), ("archive/data/0", new byte[4])));
        yield return C("shape 2^31 stride 0", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [int.MaxValue], [0])), ("archive/data/0", data)));
        yield return C("shape 2^40 (not an int)", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [1L << 40], [0])), ("archive/data/0", data)));
        yield return C("rank 20 of 1s", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, Enumerable.Repeat(1L, 20).ToArray(), Enumerable.Repeat(0L, 20).ToArray())), ("archive/data/0", data)));
        yield return C("rank 8 of 16, stride 0", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, Enumerable.Repeat(16L, 8).ToArray(), Enumerable.Repeat(0L, 8).ToArray())), ("archive/data/0", data)));
        yield return C("negative size", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [-2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("negative stride", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 5, [2, 3], [-3, 1])), ("archive/data/0", data)));
        yield return C("negative offset", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, -1, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("offset past the storage", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 6, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("strides read past the storage", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [2, 3], [4, 1])), ("archive/data/0", data)));
        yield return C("huge stride", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [2, 3], [int.MaxValue, 1])), ("archive/data/0", data)));
        yield return C("sizes and strides differ in count", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [2, 3], [3])), ("archive/data/0", data)));
        yield return C("storage count huge", Zip(("archive/data.pkl", Pickle("DoubleStorage", 1L << 40, 0, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("storage count negative", Zip(("archive/data.pkl", Pickle("DoubleStorage", -6, 0, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("storage count wrong", Zip(("archive/data.pkl", Pickle("DoubleStorage", 7, 0, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("storage type unsupported", Zip(("archive/data.pkl", Pickle("HalfStorage", 6, 0, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("storage type unknown module", Zip(("archive/data.pkl", Pickle("os.system", 6, 0, [2, 3], [3, 1])), ("archive/data/0", data)));
        yield return C("storage missing", Zip(("archive/data.pkl", pkl)));
        yield return C("storage under another key", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [2, 3], [3, 1], key: "7")), ("archive/data/0", data)));
        yield return C("no data.pkl", Zip(("archive/data/0", data)));
        yield return C("two data.pkl", Zip(("a/data.pkl", pkl), ("b/data.pkl", pkl), ("a/data/0", data)));
        yield return C("pickle without STOP", Zip(("archive/data.pkl", Pickle("DoubleStorage", 6, 0, [2, 3], [3, 1], stop: false)), ("archive/data/0", data)));
        yield return C("pickle holds an int", Zip(("archive/data.pkl", [0x80, 0x02, (byte)'K', 7, (byte)'.'])));
        yield return C("pickle holds None", Zip(("archive/data.pkl", [0x80, 0x02, (byte)'N', (byte)'.'])));
        yield return C("pickle holds a list", Zip(("archive/data.pkl", [0x80, 0x02, (byte)']', (byte)'.'])));
        yield return C("pickle holds a dict", Zip(("archive/data.pkl", [0x80, 0x02, (byte)'}', (byte)'.'])));
        yield return C("pickle garbage", Zip(("archive/data.pkl", [0x80, 0x02, 0xff, 0x00])));
        yield return C("pickle BINBYTES of 2 GB", Zip(("archive/data.pkl", [0x80, 0x03, (byte)'B', 0xff, 0xff, 0xff, 0x7f, (byte)'.'])));
        yield return C("pickle BINUNICODE8 of 2^60", Zip(("archive/data.pkl", [0x80, 0x04, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10, (byte)'.'])));
        yield return C("pickle deep lists", Zip(("archive/data.pkl", [0x80, 0x02, .. Enumerable.Repeat((byte)']', 200_000), .. Enumerable.Repeat((byte)'a', 199_999), (byte)'.'])));
        yield return C("pickle huge MARK stack", Zip(("archive/data.pkl", [0x80, 0x02, .. Enumerable.Repeat((byte)'(', 500_000), (byte)'.'])));
        yield return C("empty", []);
        yield return C("not a zip", Encoding.ASCII.GetBytes("PK\u0003\u0004 this is not a zip archive at all"));
        yield return C("legacy pickle", [0x80, 0x02, (byte)'K', 7, (byte)'.']);
        // zip bombs: entries that inflate far past the caps
        yield return C("zip bomb 80 MB of zeros (storage)", BombPt(pkl, 80L << 20));
        yield return C("zip bomb data.pkl 80 MB", ZeroBomb(80L << 20, "archive/data.pkl"));
        yield return C("zip bomb with a lying header", LyingSize(valid));
        yield return C("too many entries", Zip([.. Enumerable.Range(0, TorchPtReader.MaxEntries + 1).Select(i => ($"archive/x{i}", Array.Empty<byte>())), ("archive/data.pkl", pkl), ("archive/data/0", data)]));
        // a NaN tensor is read (values are the caller's business); its shape is wrong for every reference table
        // bad CRC: any one byte of a stored entry's data flipped
        int at = IndexOf(valid, data);
        var rng = new Random(Seed + 2);
        for (int i = 0; i < 40; i++)
        {
            var copy = (byte[])valid.Clone();
            int pos = at + rng.Next(data.Length);
            copy[pos] ^= (byte)(1 << rng.Next(8));
            yield return C($"data byte {pos - at} flipped (CRC)", copy);
        }
        int pat = IndexOf(valid, pkl);
        for (int i = 0; i < 20; i++)
        {
            var copy = (byte[])valid.Clone();
            int pos = pat + rng.Next(pkl.Length);
            copy[pos] ^= (byte)(1 << rng.Next(8));
            yield return C($"pickle byte {pos - pat} flipped (CRC)", copy);
        }
        for (int i = 0; i < 40; i++)
        {
            int cut = rng.Next(1, valid.Length - 1);
            yield return C($"file cut at {cut}", valid[..cut]);
        }
    }

    private static byte[] BombPt(byte[] pkl, long bytes)
    {
        using var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
        {
            using (var s = z.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pkl);
            using var d = z.CreateEntry("archive/data/0", CompressionLevel.Optimal).Open();
            var chunk = new byte[1 << 20];
            for (long w = 0; w < bytes; w += chunk.Length) d.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - w));
        }
        return ms.ToArray();
    }

    /// <summary>The valid file with the storage entry's declared sizes (local header and directory) set to 8 bytes.</summary>
    private static byte[] LyingSize(byte[] valid)
    {
        var b = (byte[])valid.Clone();
        var name = Encoding.ASCII.GetBytes("archive/data/0");
        // central directory header: signature 0x02014b50, sizes at +20 (compressed) and +24 (uncompressed), name at +46
        for (int i = 0; i + 46 + name.Length <= b.Length; i++)
            if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 1 && b[i + 3] == 2 && b.AsSpan(i + 46, name.Length).SequenceEqual(name))
                BitConverter.GetBytes(8).CopyTo(b, i + 24);
        for (int i = 0; i + 30 + name.Length <= b.Length; i++)
            if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 3 && b[i + 3] == 4 && b.AsSpan(i + 30, name.Length).SequenceEqual(name))
                BitConverter.GetBytes(8).CopyTo(b, i + 22);
        return b;
    }

    private static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("needle not found");
    }

    // ------------------------------------------------------------------ reference CSVs (blocks, labelled matrices, generic sheets)

    public static IEnumerable<FuzzCase> ReferenceCsvs(string tempDir)
    {
        int n = 0;
        string File_(string text)
        {
            var p = Path.Combine(tempDir, $"ref{n++}.csv");
            File.WriteAllText(p, text);
            return p;
        }
        const string blocksHeader = "stage,choice,d,e1,e2,e3,e4,ks1,ks2,ks3,ks4";
        string Row(int st, int ch, int d = 2, int e = 3, int k = 3) => $"{st},{ch},{d},{e},{e},{e},{e},{k},{k},{k},{k}";
        var validBlocks = blocksHeader + "\n" + string.Join("\n", from st in Enumerable.Range(1, 5) from ch in Enumerable.Range(0, 5) select Row(st, ch)) + "\n";
        var blockCases = new List<(string, string)>
        {
            ("header only", blocksHeader + "\n"),
            ("empty", ""),
            ("missing row", string.Join("\n", validBlocks.Split('\n').Where((l, i) => i != 7)) + "\n"),
            ("duplicate row", validBlocks + Row(1, 0) + "\n"),
            ("missing column", validBlocks.Replace("ks4", "zz")),
            ("control bytes in header", validBlocks.Replace("stage", "st\u001b[2Jage\u0007")),
            ("binary header", "\u0000\u0001\u0002\u00ff," + validBlocks),
            ("unterminated quote", validBlocks.Replace("1,0,2", "\"1,0,2")),
            ("field count", validBlocks.Replace(Row(2, 3), Row(2, 3) + ",9")),
        };
        foreach (var (label, v) in new[] { ("stage 0", Row(0, 0)), ("stage 6", Row(6, 0)), ("choice 5", Row(1, 5)), ("choice -1", Row(1, -1)), ("depth 9", Row(1, 0, d: 9)), ("expand 5", Row(1, 0, e: 5)), ("kernel 4", Row(1, 0, k: 4)), ("kernel 1e12", Row(1, 0).Replace(",3,3,3,3", ",1e12,3,3,3")), ("depth x", Row(1, 0).Replace("1,0,2", "1,0,x")), ("depth nan", Row(1, 0).Replace("1,0,2", "1,0,nan")), ("stage 99999999999", Row(1, 0).Replace("1,0,2", "99999999999,0,2")) })
            blockCases.Add(($"blocks {label}", validBlocks.Replace(Row(1, 0) + "\n", v + "\n")));
        foreach (var (name, text) in blockCases)
        {
            var p = File_(text);
            yield return new("csv-blocks", name, () => ReferenceData.LoadBlocks(p));
        }
        const string matHeader = "edge,op0,op1,op2,op3,op4";
        var validMat = matHeader + "\n" + string.Join("\n", Enumerable.Range(0, 6).Select(i => $"e{i},0,1.5,2,3,4")) + "\n";
        var matCases = new List<(string, string)> { ("header only", matHeader + "\n"), ("one row short", string.Join("\n", validMat.Split('\n').Take(6)) + "\n"), ("one column short", validMat.Replace(",op4", "").Replace(",3,4", ",3")), ("extra row", validMat + "e6,0,0,0,0,0\n") };
        foreach (var v in new[] { "nan", "NaN", "inf", "-Infinity", "1e400", "x", "", "0x10", "1,5" })
            matCases.Add(($"value {JsonSerializer.Serialize(v)}", validMat.Replace("e3,0,1.5", "e3,0," + v)));
        foreach (var (name, text) in matCases)
        {
            var p = File_(text);
            yield return new("csv-matrix", name, () => ReferenceCsv.ReadLabelledMatrix(p, 6, 5));
        }
        // a generic sheet: numbers and integers read through it, and its parse errors
        var sheetCases = new List<(string, Func<object?>)>
        {
            ("empty", () => ReferenceCsv.Parse("", "s.csv")),
            ("blank lines", () => ReferenceCsv.Parse("\n\n\r\n", "s.csv")),
            ("unterminated quote", () => ReferenceCsv.Parse("a,b\n\"1,2\n", "s.csv")),
            ("field count", () => ReferenceCsv.Parse("a,b\n1,2,3\n", "s.csv")),
            ("missing column", () => ReferenceCsv.Parse("a,b\n1,2\n", "s.csv").Column("c")),
            ("missing column, control bytes in header", () => ReferenceCsv.Parse("\u001b]0;x\u0007,b\n1,2\n", "s.csv").Column("c")),
        };
        foreach (var v in new[] { "nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "abc", "", " ", "1.2.3", "0x1F" })
            sheetCases.Add(($"number {JsonSerializer.Serialize(v)}", () => ReferenceCsv.Parse($"a,b\n1,{v}\n", "s.csv").Number(0, 1)));
        foreach (var v in new[] { "1.5", "2147483648", "-2147483649", "1e3", "x", "" })
            sheetCases.Add(($"integer {JsonSerializer.Serialize(v)}", () => ReferenceCsv.Parse($"a,b\n1,{v}\n", "s.csv").Integer(0, 1)));
        foreach (var (name, f) in sheetCases) yield return new("csv-sheet", name, f);
        // the parity check's maximum: NaN must never pass a tolerance
        foreach (var (name, pairs) in new (string, (double, double)[])[] { ("NaN ours", [(1, 1), (double.NaN, 2), (3, 3)]), ("NaN reference", [(1, double.NaN)]), ("infinity", [(double.PositiveInfinity, double.PositiveInfinity)]), ("-infinity", [(1, double.NegativeInfinity)]) })
            yield return new("csv-parity", name, () =>
            {
                var d = ReferenceParity.MaxAbsDiff(pairs);
                if (!(d <= 1e-9)) throw new MathNasException($"parity fails: max |diff| {d}");
                return d;
            });
    }

    // ------------------------------------------------------------------ HAT latency datasets

    public const string HatHeader = "encoder_embed_dim,encoder_layer_num,encoder_ffn_embed_dim_avg,encoder_self_attention_heads_avg,decoder_embed_dim,decoder_layer_num,decoder_ffn_embed_dim_avg,decoder_self_attention_heads_avg,decoder_ende_attention_heads_avg,decoder_arbitrary_ende_attn_avg,latency_mean_encoder,latency_mean_decoder,latency_std_encoder,latency_std_decoder";

    public static string[] HatRows() =>
    [
        "512,6,1024,4,512,2,2048,8,4,1.5,150,3000,1,2",
        "640,6,2048,8,640,6,3072,4,8,2,300,9000,3,4",
        "512,6,3072,2,640,1,512,2,2,1,200,2900,0.5,0.5",
        "640,6,512,4,512,4,1024,8,4,3,250,5000,2,2",
        "512,6,2048,8,512,3,2048,4,8,2.5,180,4000,1,1",
    ];

    public static IEnumerable<FuzzCase> HatCsvs()
    {
        var rows = HatRows();
        var valid = HatHeader + "\n" + string.Join("\n", rows) + "\n";
        FuzzCase C(string name, string text) => new("hat-csv", name, () => HatLatencyData.Parse(text, "hat.csv"));
        yield return C("empty", "");
        yield return C("header only", HatHeader + "\n");
        yield return C("wrong header", valid.Replace("encoder_layer_num", "encoder_layers"));
        yield return C("header with control bytes", "\u001b[31m" + valid);
        yield return C("field count", valid.Replace(rows[2], rows[2] + ",1"));
        yield return C("all rows identical", HatHeader + "\n" + string.Join("\n", Enumerable.Repeat(rows[0], 50)) + "\n");
        yield return C("all rows identical but latency", HatHeader + "\n" + string.Join("\n", Enumerable.Range(1, 20).Select(i => rows[1].Replace(",300,9000,", $",{300 + i},{9000 + i},"))) + "\n");
        var perColumn = new Dictionary<int, string[]>
        {
            [0] = ["1e12", "0", "-512", "100", "512.5", "nan"],
            [1] = ["1e12", "0", "-1", "7", "6.5", "inf"],
            [2] = ["-1024", "0", "1e12", "100000", "nan", "-inf"],
            [3] = ["0", "-4", "100", "1e12", "nan"],
            [4] = ["1e12", "0", "768", "-640"],
            [5] = ["1e12", "0", "7", "-3", "2.5"],
            [6] = ["-2048", "0", "1e12", "4000"],
            [7] = ["0", "16", "-8", "nan"],
            [8] = ["0", "1e12", "-2", "inf"],
            [9] = ["0", "4", "-1", "1e12"],
            [10] = ["0", "-150", "nan", "inf", "1e309"],
            [11] = ["0", "-1", "nan", "-inf"],
            [12] = ["-1", "nan", "inf"],
            [13] = ["-0.5", "nan", "1e400"],
        };
        foreach (var (col, values) in perColumn)
            foreach (var v in values)
            {
                var f = rows[1].Split(',');
                f[col] = v;
                yield return C($"column {col} = {v}", valid.Replace(rows[1], string.Join(',', f)));
            }
    }

    /// <summary>Every reader's corpus.</summary>
    public static IEnumerable<FuzzCase> All(string tempDir) =>
        SpaceFiles().Concat(TablesFiles()).Concat(NativeConfigs()).Concat(PtFiles()).Concat(ReferenceCsvs(tempDir)).Concat(HatCsvs());
}
