using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using MathNas.Spaces;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli;

/// <summary>What every command shares: output writers, JSON and table rendering, error handling, common options.</summary>
internal sealed class CliEnv
{
    public CliEnv(TextWriter output, TextWriter error, bool isTerminal)
    {
        Out = output;
        Err = error;
        IsTerminal = isTerminal;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!isTerminal) Console.Profile.Width = 200;
    }

    public TextWriter Out { get; }
    public TextWriter Err { get; }
    /// <summary>True when stdout is a terminal: live progress bars; false: plain progress lines.</summary>
    public bool IsTerminal { get; }
    public IAnsiConsole Console { get; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Writes one JSON object on stdout.</summary>
    public void WriteJson(object value) => Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Json));

    /// <summary>Prints an error on one line and returns the error exit code. Never prints a stack trace.</summary>
    public int Fail(Exception e)
    {
        var msg = e switch
        {
            MathNasException m => m.Message,
            FileNotFoundException f => $"file not found: {f.FileName ?? f.Message}",
            DirectoryNotFoundException d => d.Message,
            UnauthorizedAccessException u => u.Message,
            IOException io => io.Message,
            OperationCanceledException => "cancelled",
            _ => $"internal error ({e.GetType().Name}): {e.Message}",
        };
        Err.WriteLine($"error: {CliApp.OneLine(msg)}");
        return ExitCodes.Error;
    }

    /// <summary>Runs a command body, turning every exception into one line on stderr and exit code 2.</summary>
    public int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) { return Fail(e); }
    }

    /// <summary>Sets a command's action wrapped in <see cref="Guard"/>.</summary>
    public void SetAction(Command c, Func<ParseResult, int> body) => c.SetAction(p => Guard(() => body(p)));

    // ---- common options ----
    public static Option<bool> JsonOption() => new("--json") { Description = "print one JSON object on stdout instead of a table" };

    /// <summary>--format: which layout of the space's native config to write (e.g. hat|mathnas for the SuperTransformer).</summary>
    public static Option<string?> ConfigFormatOption() => new("--format")
    {
        Description = "layout of the written native config: supertransformer hat (default, what HAT's loader reads) | mathnas (MathNAS's result files); " +
                      "nasbench201 arch (default) | mathnas ({archstr, archcode}); mobilenetv3* mathnas (default) | ofa (OFA's arch dict, JSON)",
    };

    public static Option<string> SpaceOption(bool required = true) => new("--space", "-s")
    {
        Description = "built-in space name (see 'mathnas spaces') or a space file (.yml/.json)",
        Required = required,
    };

    public static Option<string> TablesOption(bool required = false) => new("--tables", "-t")
    {
        Description = "block tables file (JSON) written by 'mathnas estimate'; default: the built-in tables of the space (tables/SPACE.json), where there are some",
        Required = required,
    };

    /// <summary>
    /// The built-in tables of a space: tables/SPACE.json shipped beside the tool (copied at build) or in the repository.
    /// They are produced on this machine kind by the project's own pipeline (tables/README.md says how).
    /// </summary>
    public static string? BuiltInTablesPath(string spaceName)
    {
        foreach (var root in new[] { Data.DataLocator.RepositoryRoot(), AppContext.BaseDirectory })
        {
            if (root is null) continue;
            var path = Path.Combine(root, "tables", spaceName + ".json");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>The tables given with --tables, or the space's built-in tables, checked against the space.</summary>
    public TableSet ResolveTables(string? path, SearchSpace space)
    {
        if (path is null)
        {
            path = BuiltInTablesPath(space.Name) ?? throw new MathNasException(
                $"no --tables given and space '{space.Name}' has no built-in tables; make some with 'mathnas estimate --space {SpaceRegistry.CommandLineName(space)} --evaluator E --out T.json'" +
                " (E: an evaluator of the space, or process:\"CMD ARGS\", a worker program of your own: docs/worker-protocol.md)");
            Err.WriteLine($"using the built-in tables of '{space.Name}': {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
        }
        var set = LoadTables(path, space);
        // A 'flops' or 'params' table in the file takes precedence over the space's own count (the reference
        // project's SuperViT FLOPs table is one such): said on stderr every time, never silently.
        foreach (var m in new[] { MetricNames.Flops, MetricNames.Params })
            if (set.Has(m))
                Err.WriteLine($"note: the tables file has a '{m}' table; {m} are predicted from it, not counted from the space's blocks");
        return set;
    }

    public const string AccuracyModelHelp =
        "accuracy model: linear or flops-scaled (paper Eq. 5). Default: the model the accuracy table's own validation preferred " +
        "(preferred_accuracy_model), else flops-scaled where the table has reference FLOPs (it ranks NAS-Bench-201's ground truth " +
        "better for every estimator; see the README), else linear";

    /// <summary>The --accuracy-model option shared by every command that predicts accuracy; no value = the default rule.</summary>
    public static Option<string?> AccuracyModelOption() => new("--accuracy-model") { Description = AccuracyModelHelp };

    /// <summary>
    /// The accuracy model to use: the user's choice, else the table's preferred model, else flops-scaled when the accuracy table carries its reference
    /// FLOPs (F_ref), else linear.
    /// </summary>
    public static Prediction.AccuracyModel ResolveAccuracyModel(string? value, TableSet? tables)
    {
        if (value is not null) return Prediction.AccuracyModels.Parse(value);
        if (tables is not null && tables.Has(MetricNames.Accuracy) && tables[MetricNames.Accuracy].PreferredAccuracyModel is { } preferred)
        {
            var m = Prediction.AccuracyModels.Parse(preferred);
            if (m == Prediction.AccuracyModel.Linear || tables[MetricNames.Accuracy].ReferenceFlops is not null) return m;
        }
        return tables is not null && tables.Has(MetricNames.Accuracy) && tables[MetricNames.Accuracy].ReferenceFlops is not null
            ? Prediction.AccuracyModel.FlopsScaled
            : Prediction.AccuracyModel.Linear;
    }

    public static SearchSpace ResolveSpace(string name) => SpaceRegistry.Resolve(name);

    /// <summary>
    /// The one place the CLI turns an evaluator spec into an evaluator for a space (every command that takes
    /// --evaluator or --verify calls it), so that other kinds of evaluator (external processes, a persistent store)
    /// slot in here.
    /// </summary>
    public static Estimation.IEvaluator ResolveEvaluator(string spec, SearchSpace space) => Estimation.EvaluatorRegistry.Resolve(spec, space);

    /// <summary>The unit of a predicted metric: its table's unit, else the space's FLOPs or params unit, else none.</summary>
    public static string UnitOf(string metric, TableSet tables, SearchSpace space) =>
        tables.Has(metric) ? tables[metric].Unit
        : metric == MetricNames.Flops ? space.FlopsUnit
        : metric == MetricNames.Params ? space.ParamsUnit
        : "";

    public static TableSet LoadTables(string path, SearchSpace space)
    {
        var t = TableSet.Load(path);
        t.CheckAgainst(space);
        return t;
    }

    /// <summary>Every table's prediction for <paramref name="a"/> from the tables file at <paramref name="path"/> (checked against the space).</summary>
    public static Dictionary<string, double> PredictFromTables(string path, SearchSpace space, Architecture a)
    {
        var pr = new Prediction.Predictor(space, LoadTables(path, space));
        return pr.Tables.Tables.Keys.ToDictionary(m => m, m => pr.Predict(m, a));
    }

    /// <summary>A progress sink: a live bar on a terminal, plain lines when redirected (at most one line per 2 s or per stage change).</summary>
    public IProgress<ProgressInfo> ProgressLines(TextWriter? target = null)
    {
        var w = target ?? Err;
        string lastStage = "";
        var last = DateTime.MinValue;
        return new SyncProgress(p =>
        {
            var now = DateTime.UtcNow;
            bool done = p.Total > 0 && p.Done >= p.Total;
            if (p.Stage == lastStage && !done && (now - last).TotalSeconds < 2) return;
            lastStage = p.Stage;
            last = now;
            var pct = p.Total > 0 ? $" {100.0 * p.Done / p.Total,5:F1}%" : "";
            var count = p.Total > 0 ? $" {p.Done}/{p.Total}" : (p.Done > 0 ? $" {p.Done}" : "");
            w.WriteLine($"[{DateTime.Now:HH:mm:ss}] {p.Stage}{count}{pct}{(p.Detail.Length > 0 ? "  " + p.Detail : "")}");
            w.Flush();
        });
    }

    /// <summary>
    /// Runs a long job with progress: on a terminal a live Spectre progress bar, otherwise plain lines on stderr.
    /// </summary>
    public T WithProgress<T>(string title, Func<IProgress<ProgressInfo>, T> job)
    {
        if (!IsTerminal) return job(ProgressLines());
        T result = default!;
        Console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title));
                result = job(new SyncProgress(p =>
                {
                    if (p.Total > 0) { task.MaxValue = p.Total; task.Value = p.Done; }
                    task.Description = Markup.Escape(p.Detail.Length > 0 ? $"{p.Stage} {p.Detail}" : p.Stage);
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>IProgress that reports synchronously (System.Progress posts to the thread pool and can reorder lines).</summary>
    private sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        private readonly object _lock = new();
        public void Report(ProgressInfo value) { lock (_lock) report(value); }
    }

    /// <summary>A metric's value for tables, flagged when the tables predict it below zero although it cannot be negative.</summary>
    public static string NumOf(string metric, double v, int decimals = 4) =>
        Num(v, decimals) + (Search.BelowZero.IsFlagged(metric, v) ? " (below 0!)" : "");

    /// <summary>One line for the report when predictions of metrics that cannot be negative are below zero (null when none).</summary>
    public static string? BelowZeroWarning(IReadOnlyDictionary<string, double> predicted)
    {
        var flagged = Search.BelowZero.Flagged(predicted);
        return flagged.Count == 0 ? null
            : $"warning: the tables predict {string.Join(", ", flagged.Select(f => $"{f} = {Num(predicted[f])}"))} for this network: below zero, "
              + "which that metric cannot be; the additive table does not hold for this network";
    }

    /// <summary>Formats a number for tables: up to 4 significant decimals, invariant culture.</summary>
    /// <summary>The network's FLOPs: the exact count where the space has one (<see cref="IExactCostSpace"/>), else the block sum.</summary>
    public static double FlopsOf(SearchSpace sp, Architecture a) => sp is IExactCostSpace x ? x.ExactFlops(a) : sp.Flops(a);

    /// <summary>The network's params: as the original project reports them where the space says, else the block sum.</summary>
    public static double ParamsOf(SearchSpace sp, Architecture a) => sp is IExactCostSpace x ? x.ReportedParams(a) : sp.Params(a);

    /// <summary>FLOPs and params as report lines: the exact count first, the additive block sum labelled as the model's prediction.</summary>
    public static IReadOnlyList<string> CostLines(SearchSpace sp, Architecture a)
    {
        if (sp is not IExactCostSpace x)
            return [$"FLOPs {Num(sp.Flops(a))} {sp.FlopsUnit}, params {Num(sp.Params(a))} {sp.ParamsUnit}"];
        return
        [
            $"FLOPs {Num(x.ExactFlops(a))} {sp.FlopsUnit} (exact count); the additive block model predicts {Num(sp.Flops(a))}",
            $"params {Num(x.ReportedParams(a))} {sp.ParamsUnit} ({x.ReportedParamsConvention}); block model (additive, {x.BlockParamsConvention}) {Num(sp.Params(a))}",
        ];
    }

    /// <summary>The exact-count JSON object of a space with one (else null).</summary>
    public static object? ExactJson(SearchSpace sp, Architecture a) => sp is IExactCostSpace x
        ? new
        {
            flops = x.ExactFlops(a),
            @params = x.ReportedParams(a),
            params_convention = x.ReportedParamsConvention,
            model_flops = sp.Flops(a),
            model_params = sp.Params(a),
            model_params_convention = x.BlockParamsConvention,
        }
        : null;

    public static string Num(double v, int decimals = 4) =>
        double.IsNaN(v) ? "-" : v.ToString("0." + new string('#', decimals), System.Globalization.CultureInfo.InvariantCulture);
}
