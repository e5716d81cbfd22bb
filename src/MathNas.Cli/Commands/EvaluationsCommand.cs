using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MathNas.Estimation;
using MathNas.Estimation.Store;
using MathNas.Spaces;
using MathNas.Store;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas evaluations`: lists, filters and exports the evaluation store (CSV, JSON).</summary>
internal sealed class EvaluationsCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var store = new Option<string?>("--store") { Description = $"evaluation store folder (default {EvaluatorOptions.DefaultStoreFolder}/ in the current folder, or ${EvaluatorOptions.StoreVariable})" };
        var space = new Option<string?>("--space", "-s") { Description = "only this space: a name, or a space file (.yml/.json: then only that exact space)" };
        var evaluator = new Option<string?>("--evaluator", "-e") { Description = "only this evaluator: NAME (any options) or the full spec as given to estimate (NAME:k=v, process:\"CMD\")" };
        var metric = new Option<string?>("--metric", "-m") { Description = "only this metric" };
        var code = new Option<string?>("--code") { Description = "only this network (block code, e.g. 3,3,1,0,2,4)" };
        var limit = new Option<int>("--limit") { Description = "rows shown in the table (0: all; --json and --export always give all)", DefaultValueFactory = _ => 20 };
        var export = new Option<string?>("--export") { Description = "write the matching evaluations to FILE (.csv or .json; written atomically)" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("evaluations", "list, filter and export the stored evaluations (every network any command measured)")
            { store, space, evaluator, metric, code, limit, export, json };
        env.SetAction(cmd, p =>
        {
            var folder = p.GetValue(store) ?? EvaluatorOptions.DefaultStore();
            if (!File.Exists(Path.Combine(folder, SqliteEvaluationStore.FileName)))
                throw new MathNasException($"no evaluation store in '{folder}' (commands that evaluate networks create one; --store DIR names another)");
            int lim = p.GetValue(limit);
            if (lim < 0) throw new MathNasException("--limit must be 0 or more");
            var exportPath = p.GetValue(export);
            string? format = null;
            if (exportPath is not null)
            {
                format = Path.GetExtension(exportPath).ToLowerInvariant() switch
                {
                    ".csv" => "csv",
                    ".json" => "json",
                    _ => throw new MathNasException($"--export '{exportPath}': name a .csv or .json file"),
                };
                if (Directory.Exists(exportPath)) throw new MathNasException($"--export '{exportPath}' is a folder; give a file name");
            }
            var filter = new EvaluationFilter(Metric: p.GetValue(metric));
            if (p.GetValue(code) is { } c) filter = filter with { Code = Architecture.Parse(c).ToString() };
            if (p.GetValue(space) is { } s)
            {
                if (s.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || s.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || s.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                {
                    var sp = SpaceRegistry.Resolve(s);
                    filter = filter with { Space = sp.Name, SpaceHash = SpaceFingerprint.Of(sp) };
                }
                else filter = filter with { Space = s };
            }
            if (p.GetValue(evaluator) is { } e)
            {
                var parsed = EvaluatorRegistry.Parse(e);
                filter = filter with { Evaluator = parsed.Name };
                if (e.Contains(':')) filter = filter with { Options = parsed.CanonicalOptions };
            }
            List<EvaluationRecord> rows;
            using (var st = new SqliteEvaluationStore(folder)) rows = st.Query(filter).ToList();
            var location = Path.GetFullPath(Path.Combine(folder, SqliteEvaluationStore.FileName));
            int networks = rows.Select(r => (r.SpaceHash, r.Evaluator, r.Options, r.Code)).Distinct().Count();
            if (exportPath is not null)
            {
                var text = format == "csv" ? Csv(rows) : JsonSerializer.Serialize(rows.Select(Row).ToList(), CliEnv.Json) + "\n";
                WriteAtomically(exportPath, text);
            }
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    store = location,
                    evaluations = rows.Count,
                    networks,
                    export = exportPath is null ? null : Path.GetFullPath(exportPath),
                    rows = rows.Select(Row).ToList(),
                });
                return 0;
            }
            env.Console.WriteLine($"{location}: {rows.Count} value(s) of {networks} network evaluation(s) match");
            var groups = rows.GroupBy(r => (r.Space, r.Evaluator, r.Options))
                .Select(g => (g.Key, Networks: g.Select(r => r.Code).Distinct().Count(), Metrics: string.Join(", ", g.Select(r => r.Metric).Distinct())));
            var gt = new Table().AddColumns("space", "evaluator", "options", "networks", "metrics");
            foreach (var (k, n, m) in groups) gt.AddRow(Markup.Escape(k.Space), Markup.Escape(k.Evaluator), Markup.Escape(k.Options), n.ToString(CultureInfo.InvariantCulture), Markup.Escape(m));
            env.Console.Write(gt);
            var shown = lim == 0 ? rows : rows.Take(lim).ToList();
            if (shown.Count > 0)
            {
                var t = new Table().AddColumns("space", "code", "evaluator", "metric", "value", "unit", "seconds", "time (UTC)");
                foreach (var r in shown)
                    t.AddRow(Markup.Escape(r.Space), r.Code, Markup.Escape(r.Evaluator), Markup.Escape(r.Metric), CliEnv.Num(r.Value, 6), Markup.Escape(r.Unit),
                        r.Seconds is { } sec ? CliEnv.Num(sec, 4) : "-", r.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                env.Console.Write(t);
                if (shown.Count < rows.Count) env.Console.WriteLine($"{rows.Count - shown.Count} more row(s): --limit 0 shows all, --export FILE writes them");
            }
            if (exportPath is not null) env.Console.WriteLine($"wrote {Path.GetFullPath(exportPath)}");
            return 0;
        });
        return cmd;
    }

    private static object Row(EvaluationRecord r) => new
    {
        space = r.Space, space_hash = r.SpaceHash, code = r.Code, evaluator = r.Evaluator, options = r.Options, metric = r.Metric,
        value = r.Value, unit = r.Unit, seconds = r.Seconds, time = r.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), seed = r.Seed,
    };

    private static string Csv(IEnumerable<EvaluationRecord> rows)
    {
        var sb = new StringBuilder("space,space_hash,code,evaluator,options,metric,value,unit,seconds,time,seed\n");
        foreach (var r in rows)
        {
            sb.AppendJoin(',', Field(r.Space), r.SpaceHash, Field(r.Code), Field(r.Evaluator), Field(r.Options), Field(r.Metric),
                r.Value.ToString("R", CultureInfo.InvariantCulture), Field(r.Unit), r.Seconds?.ToString("R", CultureInfo.InvariantCulture) ?? "",
                r.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>RFC 4180 quoting where needed (codes hold commas, commands may hold quotes).</summary>
    private static string Field(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    /// <summary>Writes a file under a unique temporary name in the same folder, then renames it into place.</summary>
    private static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
