using System.Diagnostics;
using System.Text;

namespace MathNas.Cli.Tests;

/// <summary>
/// Runs the tool in a separate process (the built MathNas.Cli.dll beside the tests), for what one process cannot show:
/// that a seeded run gives the same bytes in another process, and what a kill -9 leaves behind.
/// </summary>
public sealed class ChildCli : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new(), _err = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "MathNas.Cli.dll");

    private ChildCli(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public static ChildCli Start(params string[] args) => new(args);

    /// <summary>Runs to the end (a patience of <paramref name="patienceSeconds"/> detects a hang, it is not a speed assert).</summary>
    public static (int ExitCode, string Out, string Err, double Seconds) Run(double patienceSeconds, params string[] args)
    {
        using var c = Start(args);
        return c.Wait(patienceSeconds);
    }

    public bool HasExited => _p.HasExited;
    public double Seconds => _clock.Elapsed.TotalSeconds;

    public (int ExitCode, string Out, string Err, double Seconds) Wait(double patienceSeconds)
    {
        if (!_p.WaitForExit(TimeSpan.FromSeconds(patienceSeconds)))
        {
            Kill();
            throw new TimeoutException($"mathnas did not end within {patienceSeconds} s: {Err}");
        }
        _p.WaitForExit(); // drains the output readers
        return (_p.ExitCode, Out, Err, Seconds);
    }

    /// <summary>SIGKILL (kill -9): no handler, no finally block, no flush runs in the child.</summary>
    public void Kill()
    {
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _p.WaitForExit();
    }

    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    public void Dispose()
    {
        Kill();
        _p.Dispose();
    }
}
