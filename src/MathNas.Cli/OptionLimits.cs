using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MathNas.Cli;

/// <summary>
/// The range of every numeric option of the tool, in one place. <see cref="Apply"/> walks the whole command tree and
/// gives each int/long/double option a validator, so that a value outside its range (or a NaN/infinity) is a parse
/// error (one line, exit 2) before any work starts: no command can be asked for two billion Pareto points or a
/// negative thread count. A numeric option without an entry here is a defect (ReliabilityCliTests enumerates them all).
/// </summary>
internal static class OptionLimits
{
    /// <summary>Inclusive range of one option; <c>MinExclusive</c> makes the lower bound strict (e.g. a time &gt; 0).</summary>
    internal sealed record Range(double Min, double Max, bool MinExclusive = false, bool MaxExclusive = false)
    {
        public string Describe(string name) =>
            $"{name} must be {(MinExclusive ? "greater than" : "at least")} {Fmt(Min)} and {(MaxExclusive ? "less than" : "at most")} {Fmt(Max)}";

        public bool Contains(double v) => double.IsFinite(v)
            && (MinExclusive ? v > Min : v >= Min) && (MaxExclusive ? v < Max : v <= Max);

        private static string Fmt(double v) => v.ToString("#,0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>Option name -> range. Names shared by several commands get one range that fits all of them.</summary>
    internal static readonly IReadOnlyDictionary<string, Range> Limits = new Dictionary<string, Range>(StringComparer.Ordinal)
    {
        // seeds: any non-negative int (every seed derives through a stable function)
        ["--seed"] = new(0, int.MaxValue),
        ["--method-seeds"] = new(1, 1_000),
        ["--baseline-seeds"] = new(1, 1_000),
        ["--margin-sigmas"] = new(0, 100),
        // search / pareto
        ["--top"] = new(1, 10_000),
        ["--rounds"] = new(1, 10_000),
        ["--repeat"] = new(1, 100_000),
        ["--points"] = new(1, 10_000),
        ["--time-limit"] = new(0, 7 * 86_400, MinExclusive: true),
        // torch measurement and training
        ["--test-images"] = new(0, 10_000),
        ["--repeats"] = new(1, 100_000),
        ["--warmup"] = new(0, 100_000),
        ["--threads"] = new(1, 1_024),
        ["--latency-threads"] = new(1, 1_024),
        ["--batch"] = new(1, 65_536),
        ["--recal"] = new(0, 60_000),
        ["--held-out"] = new(0, 60_000),
        ["--epochs"] = new(1, 10_000),
        ["--train-images"] = new(0, 60_000),
        ["--validation"] = new(0, 100_000),
        ["--standalone"] = new(0, 10_000),
        ["--budget-ms"] = new(0, 1e9, MinExclusive: true),
        // latency-model
        ["--train-fraction"] = new(0, 1, MinExclusive: true, MaxExclusive: true),
        // run
        ["--duration"] = new(0, 7 * 86_400, MinExclusive: true),
        ["--max-blocks"] = new(1, 10_000),
        ["--window"] = new(1, 100_000),
        ["--target-margin"] = new(0, 1),
        ["--compare-repeats"] = new(1, 100_000),
        ["--bound-seconds"] = new(0, 86_400),
        // evaluators, the evaluation store, validation for any space
        ["--workers"] = new(1, 256),
        ["--eval-timeout"] = new(0, 7 * 86_400, MinExclusive: true),
        ["--limit"] = new(0, int.MaxValue),
        ["--networks"] = new(2, 1_000_000),
        ["--roundtrip-count"] = new(1, 10_000_000),
        // guided search and the any-space audit
        ["--evaluations"] = new(1, 10_000_000),
        ["--truth-sample"] = new(20, 10_000_000),
    };

    /// <summary>Every option of the tree whose value is a number.</summary>
    internal static IEnumerable<(Command Command, Option Option)> NumericOptions(Command root)
    {
        foreach (var o in root.Options)
            if (IsNumeric(o.ValueType)) yield return (root, o);
        foreach (var c in root.Subcommands)
            foreach (var x in NumericOptions(c)) yield return x;
    }

    internal static bool IsNumeric(Type t)
    {
        var u = Nullable.GetUnderlyingType(t) ?? t;
        return u == typeof(int) || u == typeof(long) || u == typeof(double) || u == typeof(float) || u == typeof(decimal);
    }

    /// <summary>What an option without an entry gets: finite values only (the test that lists every option fails on it).</summary>
    internal static readonly Range FiniteOnly = new(double.MinValue, double.MaxValue);

    /// <summary>Adds the range validator to every numeric option (an option missing from <see cref="Limits"/> gets <see cref="FiniteOnly"/>).</summary>
    public static void Apply(Command root)
    {
        foreach (var (_, o) in NumericOptions(root))
        {
            var range = Limits.GetValueOrDefault(o.Name, FiniteOnly);
            o.Validators.Add(r => Validate(r, o, range));
        }
    }

    private static void Validate(OptionResult r, Option o, Range range)
    {
        if (r.Tokens.Count == 0) return; // the default value
        var token = r.Tokens[^1].Value;
        // System.CommandLine reads "1,5" as 15 (thousands separator): refused, since it most likely meant 1.5.
        if (token.Contains(',') || token.Contains('_'))
        {
            r.AddError($"{o.Name} takes a plain number ('.' as the decimal point, no separators), not {TextSafety.Escape(token)}");
            return;
        }
        double v;
        try { v = Convert.ToDouble(r.GetValueOrDefault<object?>() ?? 0.0, CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or InvalidOperationException)
        {
            return; // the type conversion reports its own error
        }
        if (!range.Contains(v))
            r.AddError($"{range.Describe(o.Name)}, not {TextSafety.Escape(r.Tokens[^1].Value)}");
    }
}
