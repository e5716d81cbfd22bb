namespace MathNas.Dynamic;

/// <summary>The last W measured latencies and their median (the controller's view of the device).</summary>
public sealed class LatencyWindow
{
    private readonly double[] _ring;
    private readonly double[] _scratch;
    private int _next;

    public LatencyWindow(int size)
    {
        if (size < 1) throw new MathNasException($"the latency window needs at least 1 run, not {size}");
        _ring = new double[size];
        _scratch = new double[size];
    }

    public int Size => _ring.Length;
    public int Count { get; private set; }
    public bool IsFull => Count == _ring.Length;

    public void Add(double ms)
    {
        if (!double.IsFinite(ms) || ms < 0) throw new MathNasException($"a measured latency must be a non-negative number, not {ms}");
        _ring[_next] = ms;
        _next = (_next + 1) % _ring.Length;
        if (Count < _ring.Length) Count++;
    }

    public void Clear() { Count = 0; _next = 0; }

    /// <summary>Median of the runs held (NaN when empty); the mean of the two middle values for an even count.</summary>
    public double Median()
    {
        if (Count == 0) return double.NaN;
        Array.Copy(_ring, _scratch, Count);
        var s = _scratch.AsSpan(0, Count);
        s.Sort();
        return Count % 2 == 1 ? s[Count / 2] : 0.5 * (s[Count / 2 - 1] + s[Count / 2]);
    }
}
