using System.Diagnostics;

namespace MathNas.Tests.Reliability;

/// <summary>One bad input: which reader, a name that says what is wrong with it, and the call that reads it.</summary>
public sealed record FuzzCase(string Reader, string Name, Func<object?> Read);

/// <summary>What a reader did with a bad input.</summary>
public enum FuzzOutcome { Rejected, Answered, Crashed, Hung, TooMuchMemory }

public sealed record FuzzResult(FuzzCase Case, FuzzOutcome Outcome, string Detail, TimeSpan Elapsed, long AllocatedBytes);

/// <summary>
/// Runs a reader on its own thread with a hang detector and an allocation guard. The time limit is generous on
/// purpose (a loaded machine must not fail the test): it tells a hang from a slow answer, it is no speed assertion.
/// Memory is the bytes the reader's thread allocated (a bound on its peak).
/// </summary>
public static class FuzzGuard
{
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);
    public const long MemoryLimit = 1L << 30;

    public static FuzzResult Run(FuzzCase c)
    {
        FuzzOutcome outcome = FuzzOutcome.Hung;
        string detail = "";
        long allocated = 0;
        var sw = Stopwatch.StartNew();
        var t = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var answer = c.Read();
                outcome = FuzzOutcome.Answered;
                detail = $"answered {Describe(answer)}";
            }
            catch (MathNasException e)
            {
                outcome = FuzzOutcome.Rejected;
                detail = e.Message;
            }
            catch (Exception e)
            {
                outcome = FuzzOutcome.Crashed;
                detail = $"{e.GetType().FullName}: {e.Message}";
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true, Name = "fuzz " + c.Name };
        t.Start();
        bool done = t.Join(HangLimit);
        sw.Stop();
        if (!done) return new FuzzResult(c, FuzzOutcome.Hung, $"no answer within {HangLimit.TotalSeconds} s", sw.Elapsed, 0);
        if (allocated > MemoryLimit)
            return new FuzzResult(c, FuzzOutcome.TooMuchMemory, $"allocated {allocated:N0} bytes ({outcome}: {detail})", sw.Elapsed, allocated);
        return new FuzzResult(c, outcome, detail, sw.Elapsed, allocated);
    }

    private static string Describe(object? o) => o switch
    {
        null => "null",
        MathNas.Spaces.SearchSpace s => $"space '{s.Name}' with {s.NodeCount} nodes",
        MathNas.Spaces.Architecture a => $"architecture {a}",
        _ => o.GetType().Name,
    };

    /// <summary>Empty when the message is a proper one-line error; otherwise what is wrong with it.</summary>
    public static string MessageProblem(string message)
    {
        if (string.IsNullOrWhiteSpace(message)) return "empty message";
        foreach (var ch in message)
            if (ch < 0x20 || ch == 0x7F || (ch >= 0x80 && ch <= 0x9F)) return $"control character U+{(int)ch:X4} in the message";
        if (message.Length > 4000) return $"message of {message.Length} characters";
        if (System.Text.RegularExpressions.Regex.IsMatch(message, @"\b(MathNas|System)\.[A-Z][A-Za-z]+[.+][A-Z]"))
            return "a .NET type name in the message";
        return "";
    }
}
