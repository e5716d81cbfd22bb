using System.Diagnostics;
using System.Globalization;

namespace MathNas.Dynamic;

/// <summary>One step of a load profile: this many busy threads for this long.</summary>
public readonly record struct LoadStep(int Threads, TimeSpan Duration);

/// <summary>A sequence of load steps, written "0:5s,1:5s,2:5s,0:5s" (busy threads : duration; units ms, s or m; bare numbers are seconds).</summary>
public sealed class LoadProfile
{
    public LoadProfile(IReadOnlyList<LoadStep> steps)
    {
        if (steps.Count == 0) throw new MathNasException("a load profile needs at least one step");
        foreach (var s in steps)
        {
            if (s.Threads < 0 || s.Threads > 256) throw new MathNasException($"a load step needs 0..256 busy threads, not {s.Threads}");
            if (s.Duration <= TimeSpan.Zero) throw new MathNasException($"a load step needs a positive duration, not {s.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        Steps = steps;
    }

    public IReadOnlyList<LoadStep> Steps { get; }
    public TimeSpan Total => TimeSpan.FromTicks(Steps.Sum(s => s.Duration.Ticks));
    public int MaxThreads => Steps.Max(s => s.Threads);

    /// <summary>Start time of step <paramref name="index"/> from the profile's start.</summary>
    public TimeSpan StartOf(int index) => TimeSpan.FromTicks(Steps.Take(index).Sum(s => s.Duration.Ticks));

    /// <summary>The step index at time <paramref name="t"/> from the start (-1 after the end).</summary>
    public int StepAt(TimeSpan t)
    {
        var end = TimeSpan.Zero;
        for (int i = 0; i < Steps.Count; i++)
        {
            end += Steps[i].Duration;
            if (t < end) return i;
        }
        return -1;
    }

    /// <summary>Busy threads at time <paramref name="t"/> (0 before the start and after the end).</summary>
    public int ThreadsAt(TimeSpan t)
    {
        if (t < TimeSpan.Zero) return 0;
        int i = StepAt(t);
        return i < 0 ? 0 : Steps[i].Threads;
    }

    public static LoadProfile Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new MathNasException("empty load profile: write steps like 0:5s,1:5s,2:5s,0:5s");
        var steps = new List<LoadStep>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split(':');
            if (kv.Length != 2) throw new MathNasException($"load step '{part}' is not THREADS:DURATION (e.g. 2:5s)");
            if (!int.TryParse(kv[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                throw new MathNasException($"load step '{part}': '{kv[0]}' is not a thread count");
            steps.Add(new LoadStep(n, ParseDuration(kv[1].Trim(), part)));
        }
        return new LoadProfile(steps);
    }

    private static TimeSpan ParseDuration(string d, string part)
    {
        double mult = 1;
        string num = d;
        if (d.EndsWith("ms", StringComparison.OrdinalIgnoreCase)) { mult = 0.001; num = d[..^2]; }
        else if (d.EndsWith('s') || d.EndsWith('S')) { num = d[..^1]; }
        else if (d.EndsWith('m') || d.EndsWith('M')) { mult = 60; num = d[..^1]; }
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new MathNasException($"load step '{part}': '{d}' is not a duration (e.g. 5s, 500ms, 1m)");
        return TimeSpan.FromSeconds(v * mult);
    }

    public override string ToString() =>
        string.Join(",", Steps.Select(s => $"{s.Threads}:{s.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"));
}

/// <summary>
/// An in-process CPU load generator: <see cref="LoadProfile.MaxThreads"/> background threads, of which the first
/// N(t) spin (busy arithmetic) while the others sleep, N(t) following the profile's steps. Bounded in time: every
/// thread stops by itself at the end of the profile (or at an earlier cancellation), and <see cref="Dispose"/> waits
/// for them. The clock starts at <see cref="Start"/>.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private readonly Thread[] _threads;
    private readonly CancellationTokenSource _cts;
    private long _startTicks;
    private volatile bool _started;
    private double _sink;

    public LoadGenerator(LoadProfile profile, CancellationToken cancellation = default)
    {
        Profile = profile;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _threads = new Thread[profile.MaxThreads];
        for (int k = 0; k < _threads.Length; k++)
        {
            int index = k;
            _threads[k] = new Thread(() => Work(index)) { IsBackground = true, Name = $"mathnas-load-{k}" };
        }
    }

    public LoadProfile Profile { get; }

    /// <summary>Time since <see cref="Start"/> (zero before).</summary>
    public TimeSpan Elapsed => _started ? Stopwatch.GetElapsedTime(_startTicks) : TimeSpan.Zero;

    /// <summary>Busy threads the profile asks for now.</summary>
    public int Level => _started ? Profile.ThreadsAt(Elapsed) : 0;

    /// <summary>True once the profile is over or cancelled and every thread has returned.</summary>
    public bool IsFinished => _started && _threads.All(t => !t.IsAlive);

    public int ThreadCount => _threads.Length;

    public void Start()
    {
        if (_started) throw new InvalidOperationException("the load generator was already started");
        _startTicks = Stopwatch.GetTimestamp();
        _started = true;
        foreach (var t in _threads) t.Start();
    }

    private void Work(int index)
    {
        var token = _cts.Token;
        var total = Profile.Total;
        double x = 1 + index;
        while (!token.IsCancellationRequested)
        {
            var t = Stopwatch.GetElapsedTime(_startTicks);
            if (t >= total) break;
            if (index < Profile.ThreadsAt(t))
            {
                // Busy: arithmetic only (takes the core, not the caches), ~tens of microseconds between clock reads.
                for (int i = 0; i < 20_000; i++) x = x * 1.0000001 + 1e-9;
            }
            else
            {
                token.WaitHandle.WaitOne(2);
            }
        }
        Interlocked.Exchange(ref _sink, x);
    }

    /// <summary>Waits until every load thread has returned (at most <paramref name="timeout"/>); true when they have.</summary>
    public bool Wait(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var t in _threads)
        {
            if (!t.IsAlive) continue;
            var left = TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
            if (!t.Join(left)) return false;
        }
        return true;
    }

    public void Cancel() => _cts.Cancel();

    public void Dispose()
    {
        _cts.Cancel();
        if (_started) Wait(TimeSpan.FromSeconds(10));
        _cts.Dispose();
    }
}
