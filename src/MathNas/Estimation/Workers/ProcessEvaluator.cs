using System.Diagnostics;
using MathNas.Spaces;

namespace MathNas.Estimation.Workers;

/// <summary>Settings of a <see cref="ProcessEvaluator"/> (the CLI's --workers and --eval-timeout).</summary>
public sealed record ProcessEvaluatorOptions
{
    /// <summary>Copies of the worker to run at once; more than one only when the worker's hello says "parallel": true.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Longest time one evaluation (and the hello) may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Longest time a starting worker may take to send its hello (at least 30 s: loading a model or data set takes a while).</summary>
    public TimeSpan StartTimeout => Timeout > TimeSpan.FromSeconds(30) ? Timeout : TimeSpan.FromSeconds(30);
    /// <summary>Restarts of a worker that exits or writes a line that is not JSON, per network, before the network fails.</summary>
    public int Restarts { get; init; } = 2;
    /// <summary>Folder the worker runs in (null: the current folder).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Where notes go (a restarted worker, fewer copies than asked); null: nowhere.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// An evaluator that is an external program (docs/worker-protocol.md): the command is started once per copy and
/// answers one JSON request per line. Supports every space, user space files included. Batched: with N copies the
/// networks of a batch are measured N at a time. A request that takes longer than the timeout fails naming the
/// network; a worker that exits or writes a line that is not JSON is reported with the tail of its stderr and
/// restarted; a value that is missing, not finite or in another unit than the hello declared is refused.
/// </summary>
public sealed class ProcessEvaluator : BatchEvaluator, IDisposable
{
    public const string Prefix = "process";

    private readonly SearchSpace _space;
    private readonly ProcessEvaluatorOptions _options;
    private readonly WorkerConnection?[] _slots;
    private readonly string[] _wanted;
    private long _nextId;
    private bool _disposed;

    public ProcessEvaluator(string command, SearchSpace space, ProcessEvaluatorOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(command)) throw new MathNasException("evaluator 'process:' needs a command, e.g. process:\"python3 examples/workers/template_worker.py\"");
        _options = options ?? new ProcessEvaluatorOptions();
        if (_options.Workers < 1) throw new MathNasException("--workers must be at least 1");
        if (!(_options.Timeout > TimeSpan.Zero)) throw new MathNasException("--eval-timeout must be a positive number of seconds");
        Command = command.Trim();
        _space = space;
        var first = WorkerConnection.Start(Command, 1, _options.StartTimeout, _options.WorkingDirectory, CancellationToken.None);
        Hello = first.Hello;
        if (Hello.Spaces is { Count: > 0 } spaces && !spaces.Contains(space.Name, StringComparer.OrdinalIgnoreCase))
        {
            first.Dispose();
            throw new MathNasException($"worker '{Command}' serves space(s) {string.Join(", ", spaces)}, not '{space.Name}'");
        }
        int copies = _options.Workers;
        if (copies > 1 && !Hello.Parallel)
        {
            _options.Log?.Invoke($"worker '{Command}' does not say it may run in parallel (hello \"parallel\": true): running 1 copy, not {copies}");
            copies = 1;
        }
        _slots = new WorkerConnection?[copies];
        _slots[0] = first;
        _wanted = Hello.Metrics.Keys.ToArray();
    }

    public string Command { get; }
    public WorkerProtocol.Hello Hello { get; }
    /// <summary>Copies of the worker in use.</summary>
    public int Copies => _slots.Length;
    /// <summary>Restarts so far (a worker that exited or wrote a line that is not JSON).</summary>
    public int RestartCount => (int)Interlocked.Read(ref _restarts);
    private long _restarts;

    public override string Name => $"{Prefix}:{Command}";
    public override IReadOnlyDictionary<string, string> Metrics => Hello.Metrics;

    public override async Task<IReadOnlyList<IReadOnlyDictionary<string, double>>> EvaluateAsync(
        IReadOnlyList<Architecture> networks, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var a in networks) _space.Validate(a);
        var results = new IReadOnlyDictionary<string, double>[networks.Count];
        if (networks.Count == 0) return results;
        int next = -1, done = 0;
        var reportLock = new object();
        string? firstError = null;
        int failures = 0;
        bool failed = false;

        // A failure stops the dispatch of new networks; the networks in flight on other copies finish and are reported.
        void Loop(int slot)
        {
            while (!Volatile.Read(ref failed) && !cancellationToken.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= networks.Count) return;
                var sw = Stopwatch.StartNew();
                try
                {
                    results[i] = EvaluateOne(slot, networks[i], cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
                catch (MathNasException e)
                {
                    lock (reportLock)
                    {
                        failures++;
                        firstError ??= e.Message;
                    }
                    Volatile.Write(ref failed, true);
                    return;
                }
                lock (reportLock)
                {
                    done++;
                    progress?.Report(new EvaluationProgress(done, networks.Count, networks[i], results[i], sw.Elapsed.TotalSeconds));
                }
            }
        }

        int copies = Math.Min(_slots.Length, networks.Count);
        if (copies == 1) await Task.Run(() => Loop(0), CancellationToken.None).ConfigureAwait(false);
        else
        {
            var tasks = Enumerable.Range(0, copies)
                .Select(s => Task.Factory.StartNew(() => Loop(s), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        if (firstError is not null)
            throw new MathNasException(failures > 1 ? $"{firstError} ({failures - 1} more network(s) failed)" : firstError);
        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    private string Where(Architecture a) => $"network {a} ({_space.Describe(a)})";

    /// <summary>One network on one worker copy, with restarts of a worker that dies or writes a line that is not JSON.</summary>
    private IReadOnlyDictionary<string, double> EvaluateOne(int slot, Architecture a, CancellationToken ct)
    {
        string? lastFault = null;
        for (int attempt = 0; attempt <= _options.Restarts; attempt++)
        {
            var w = _slots[slot];
            if (w is null || w.HasExited)
            {
                w?.Dispose();
                _slots[slot] = null;
                w = WorkerConnection.Start(Command, slot + 1, _options.StartTimeout, _options.WorkingDirectory, ct);
                if (!SameHello(w.Hello))
                {
                    w.Dispose();
                    throw new MathNasException($"worker '{Command}' (copy {slot + 1}) offered other metrics in its hello than the first copy did");
                }
                _slots[slot] = w;
            }
            long id = Interlocked.Increment(ref _nextId);
            string? line;
            if (!w.WriteLine(WorkerProtocol.Request(id, _space, a, _wanted))) line = null;
            else
            {
                try { line = w.ReadLine(_options.Timeout, ct); }
                catch (OperationCanceledException)
                {
                    // Cancelled with a request outstanding: this copy's next line would answer the old request.
                    w.Kill();
                    w.Dispose();
                    _slots[slot] = null;
                    throw;
                }
                catch (TimeoutException)
                {
                    w.Kill(); // first, so its stderr reaches end of file and the tail below is complete
                    var tail = w.StderrText();
                    w.Dispose();
                    _slots[slot] = null;
                    throw new MathNasException($"worker '{Command}' took longer than the evaluation timeout of {WorkerProtocol.Seconds(_options.Timeout)} s on {Where(a)}; the worker was stopped (--eval-timeout sets the limit){tail}");
                }
            }
            if (line is null)
            {
                lastFault = $"worker '{Command}' (copy {slot + 1}) exited while evaluating {Where(a)}{w.ExitText()}{w.StderrText()}";
            }
            else
            {
                WorkerProtocol.Response? r;
                try { r = WorkerProtocol.ParseResponse(line); }
                catch (MathNasException e) { throw Refused(a, e.Message); }
                if (r is null)
                {
                    w.Kill(); // first, so its stderr reaches end of file and the tail in the message is complete
                    lastFault = $"worker '{Command}' (copy {slot + 1}) wrote a line that is not JSON while evaluating {Where(a)}: '{WorkerProtocol.Clip(line)}'{w.StderrText()}";
                }
                else
                {
                    if (r.Id != id)
                        throw Refused(a, $"the response has id {r.Id}, but the request had id {id}");
                    if (r.Error is not null)
                        throw new MathNasException($"worker '{Command}' could not evaluate {Where(a)}: {WorkerProtocol.Clip(r.Error, 500)}");
                    return Check(a, r);
                }
            }
            w.Dispose();
            _slots[slot] = null;
            Interlocked.Increment(ref _restarts);
            if (attempt < _options.Restarts) _options.Log?.Invoke($"{lastFault}; restarting it");
        }
        throw new MathNasException($"{lastFault}; gave up after {_options.Restarts} restart(s)");
    }

    private bool SameHello(WorkerProtocol.Hello h) =>
        h.Metrics.Count == Hello.Metrics.Count && h.Metrics.All(kv => Hello.Metrics.TryGetValue(kv.Key, out var u) && u == kv.Value);

    private MathNasException Refused(Architecture a, string why) =>
        new($"worker '{Command}': refused its answer for {Where(a)}: {why}");

    private Dictionary<string, double> Check(Architecture a, WorkerProtocol.Response r)
    {
        var values = new Dictionary<string, double>(_wanted.Length);
        foreach (var m in _wanted)
        {
            if (!r.Metrics!.TryGetValue(m, out var v)) throw Refused(a, $"metric '{m}' is missing (it offered: {string.Join(", ", _wanted)})");
            var unit = Hello.Metrics[m];
            if (v.Unit is not null && v.Unit != unit) throw Refused(a, $"metric '{m}' is in '{v.Unit}', but its hello declared '{unit}'");
            values[m] = v.Value;
        }
        return values;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i]?.Dispose();
            _slots[i] = null;
        }
    }

    /// <summary>The registry entry: "process:CMD ARGS" (the text after the colon is the command, run through /bin/sh -c).</summary>
    internal static EvaluatorRegistry.Entry RegistryEntry => new(
        Prefix,
        "an external worker program speaking the JSON-lines worker protocol (docs/worker-protocol.md): process:\"CMD ARGS\"; any space, user space files included",
        _ => true,
        (space, options) => new ProcessEvaluator(options.GetValueOrDefault(EvaluatorRegistry.CommandOption, ""), space))
    {
        RawArgument = true,
        CreateWithSettings = (space, options, settings) => new ProcessEvaluator(options.GetValueOrDefault(EvaluatorRegistry.CommandOption, ""), space,
            new ProcessEvaluatorOptions
            {
                Workers = settings.Workers,
                Timeout = settings.Timeout ?? new ProcessEvaluatorOptions().Timeout,
                Log = settings.Log,
                WorkingDirectory = settings.WorkingDirectory,
            }),
    };
}
