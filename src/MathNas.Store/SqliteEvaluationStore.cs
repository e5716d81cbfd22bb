using System.Globalization;
using MathNas.Estimation.Store;
using MathNas.Spaces;
using Microsoft.Data.Sqlite;

namespace MathNas.Store;

/// <summary>
/// The evaluation store in an embedded SQLite database, <c>evaluations.db</c> in a folder the caller names (the CLI's
/// --store DIR). Write-ahead logging, one transaction per network, a busy timeout: several processes may share one
/// store. A unique index keeps one value per (space fingerprint, evaluator, options, network, metric); when two
/// processes measure the same network at once the first value stored wins and both use it.
/// </summary>
public sealed class SqliteEvaluationStore : IEvaluationStore
{
    public const string FileName = "evaluations.db";
    private const int BusyTimeoutMs = 30_000;
    private readonly SqliteConnection _db;
    private readonly object _lock = new();

    /// <summary>Opens (creating when needed) the store in <paramref name="folder"/>.</summary>
    public SqliteEvaluationStore(string folder)
    {
        if (File.Exists(folder)) throw new MathNasException($"--store '{folder}' is a file; give a folder");
        var full = Path.GetFullPath(folder);
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new MathNasException($"cannot create the store folder '{folder}': {e.Message}"); }
        Location = Path.Combine(full, FileName);
        var cs = new SqliteConnectionStringBuilder { DataSource = Location, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = BusyTimeoutMs / 1000 }.ToString();
        _db = new SqliteConnection(cs);
        try
        {
            _db.Open();
            Exec($"PRAGMA busy_timeout = {BusyTimeoutMs};");
            Exec("PRAGMA journal_mode = WAL;");
            Exec("PRAGMA synchronous = NORMAL;");
            using var tx = _db.BeginTransaction(deferred: false);
            Exec("""
                CREATE TABLE IF NOT EXISTS evaluations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    space TEXT NOT NULL,
                    space_hash TEXT NOT NULL,
                    code TEXT NOT NULL,
                    evaluator TEXT NOT NULL,
                    options TEXT NOT NULL,
                    metric TEXT NOT NULL,
                    value REAL NOT NULL,
                    unit TEXT NOT NULL,
                    seconds REAL,
                    time TEXT NOT NULL,
                    seed INTEGER
                );
                CREATE UNIQUE INDEX IF NOT EXISTS evaluations_key ON evaluations (space_hash, evaluator, options, code, metric);
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1');
                """, tx);
            tx.Commit();
        }
        catch (SqliteException e)
        {
            _db.Dispose();
            throw new MathNasException($"cannot open the evaluation store '{Location}': {e.Message}");
        }
    }

    public string Location { get; }

    private void Exec(string sql, SqliteTransaction? tx = null)
    {
        using var c = _db.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        c.ExecuteNonQuery();
    }

    public IReadOnlyDictionary<string, (double Value, string Unit)>? Find(EvaluationKey key, Architecture network)
    {
        lock (_lock)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT metric, value, unit FROM evaluations WHERE space_hash = $h AND evaluator = $e AND options = $o AND code = $c ORDER BY id";
            c.Parameters.AddWithValue("$h", key.SpaceHash);
            c.Parameters.AddWithValue("$e", key.Evaluator);
            c.Parameters.AddWithValue("$o", key.Options);
            c.Parameters.AddWithValue("$c", network.ToString());
            using var r = c.ExecuteReader();
            Dictionary<string, (double, string)>? d = null;
            while (r.Read()) (d ??= new())[r.GetString(0)] = (r.GetDouble(1), r.GetString(2));
            return d;
        }
    }

    public IReadOnlyDictionary<string, double> Put(EvaluationKey key, Architecture network, IReadOnlyDictionary<string, double> values,
        IReadOnlyDictionary<string, string> units, double? seconds)
    {
        var code = network.ToString();
        var time = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        lock (_lock)
        {
            using var tx = _db.BeginTransaction(deferred: false);
            using (var c = _db.CreateCommand())
            {
                c.Transaction = tx;
                c.CommandText = """
                    INSERT OR IGNORE INTO evaluations (space, space_hash, code, evaluator, options, metric, value, unit, seconds, time, seed)
                    VALUES ($s, $h, $c, $e, $o, $m, $v, $u, $sec, $t, $seed)
                    """;
                var pm = c.Parameters.Add("$m", SqliteType.Text);
                var pv = c.Parameters.Add("$v", SqliteType.Real);
                var pu = c.Parameters.Add("$u", SqliteType.Text);
                c.Parameters.AddWithValue("$s", key.Space);
                c.Parameters.AddWithValue("$h", key.SpaceHash);
                c.Parameters.AddWithValue("$c", code);
                c.Parameters.AddWithValue("$e", key.Evaluator);
                c.Parameters.AddWithValue("$o", key.Options);
                c.Parameters.AddWithValue("$sec", seconds is { } s ? s : DBNull.Value);
                c.Parameters.AddWithValue("$t", time);
                c.Parameters.AddWithValue("$seed", key.Seed is { } seed ? seed : DBNull.Value);
                c.Prepare();
                foreach (var (m, v) in values)
                {
                    if (!units.TryGetValue(m, out var unit)) continue;
                    if (!double.IsFinite(v)) throw new MathNasException($"refusing to store a non-finite '{m}' for network {code}");
                    pm.Value = m;
                    pv.Value = v;
                    pu.Value = unit;
                    c.ExecuteNonQuery();
                }
            }
            var kept = new Dictionary<string, double>();
            using (var q = _db.CreateCommand())
            {
                q.Transaction = tx;
                q.CommandText = "SELECT metric, value FROM evaluations WHERE space_hash = $h AND evaluator = $e AND options = $o AND code = $c";
                q.Parameters.AddWithValue("$h", key.SpaceHash);
                q.Parameters.AddWithValue("$e", key.Evaluator);
                q.Parameters.AddWithValue("$o", key.Options);
                q.Parameters.AddWithValue("$c", code);
                using var r = q.ExecuteReader();
                while (r.Read()) kept[r.GetString(0)] = r.GetDouble(1);
            }
            tx.Commit();
            return values.Keys.Where(units.ContainsKey).ToDictionary(m => m, m => kept[m]);
        }
    }

    public IReadOnlyDictionary<string, string> MetricsOf(EvaluationKey key)
    {
        lock (_lock)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT metric, unit, MIN(id) AS first FROM evaluations WHERE space_hash = $h AND evaluator = $e AND options = $o GROUP BY metric, unit ORDER BY first";
            c.Parameters.AddWithValue("$h", key.SpaceHash);
            c.Parameters.AddWithValue("$e", key.Evaluator);
            c.Parameters.AddWithValue("$o", key.Options);
            using var r = c.ExecuteReader();
            var d = new Dictionary<string, string>();
            while (r.Read()) d.TryAdd(r.GetString(0), r.GetString(1));
            return d;
        }
    }

    public IEnumerable<EvaluationRecord> Query(EvaluationFilter filter)
    {
        var list = new List<EvaluationRecord>();
        lock (_lock)
        {
            using var c = _db.CreateCommand();
            var where = new List<string>();
            void Add(string column, string? value)
            {
                if (value is null) return;
                where.Add($"{column} = ${column}");
                c.Parameters.AddWithValue("$" + column, value);
            }
            Add("space", filter.Space);
            Add("space_hash", filter.SpaceHash);
            Add("evaluator", filter.Evaluator);
            Add("options", filter.Options);
            Add("metric", filter.Metric);
            Add("code", filter.Code);
            c.CommandText = "SELECT space, space_hash, code, evaluator, options, metric, value, unit, seconds, time, seed FROM evaluations" +
                            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY id";
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                list.Add(new EvaluationRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                    r.GetDouble(6), r.GetString(7), r.IsDBNull(8) ? null : r.GetDouble(8),
                    DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture), r.IsDBNull(10) ? null : r.GetInt32(10)));
            }
        }
        return list;
    }

    public void Dispose()
    {
        lock (_lock) _db.Dispose();
    }
}
