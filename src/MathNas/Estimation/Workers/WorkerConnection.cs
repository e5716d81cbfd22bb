using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace MathNas.Estimation.Workers;

/// <summary>
/// One running copy of a worker command (started through /bin/sh -c): a line writer to its stdin, a reader thread
/// that queues its stdout lines, and the tail of its stderr for error messages.
/// </summary>
internal sealed class WorkerConnection : IDisposable
{
    private const int StderrLines = 20;
    private readonly Process _process;
    private readonly BlockingCollection<string?> _lines = new();
    private readonly Queue<string> _stderr = new();
    private volatile bool _killed;
    private readonly object _stderrLock = new();
    private readonly Thread _stdoutThread, _stderrThread;
    private bool _disposed;

    private WorkerConnection(Process process, string command, int copy)
    {
        _process = process;
        Command = command;
        Copy = copy;
        _stdoutThread = new Thread(() =>
        {
            try
            {
                string? line;
                while ((line = _process.StandardOutput.ReadLine()) is not null) _lines.Add(line);
            }
            catch (Exception) when (_disposed) { }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            finally { try { _lines.Add(null); } catch (InvalidOperationException) { } }
        }) { IsBackground = true, Name = $"worker {copy} stdout" };
        _stderrThread = new Thread(() =>
        {
            try
            {
                string? line;
                while ((line = _process.StandardError.ReadLine()) is not null)
                {
                    lock (_stderrLock)
                    {
                        _stderr.Enqueue(line);
                        while (_stderr.Count > StderrLines) _stderr.Dequeue();
                    }
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }) { IsBackground = true, Name = $"worker {copy} stderr" };
        _stdoutThread.Start();
        _stderrThread.Start();
    }

    public string Command { get; }
    /// <summary>Which copy of the worker this is (1, 2, ...), for messages.</summary>
    public int Copy { get; }
    public WorkerProtocol.Hello Hello { get; private set; } = null!;
    public bool HasExited { get { try { return _process.HasExited; } catch (InvalidOperationException) { return true; } } }

    /// <summary>Starts the command and reads its hello (within <paramref name="timeout"/>).</summary>
    public static WorkerConnection Start(string command, int copy, TimeSpan timeout, string? workingDirectory, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        Process p;
        try { p = Process.Start(psi) ?? throw new MathNasException($"could not start worker '{command}'"); }
        catch (System.ComponentModel.Win32Exception e) { throw new MathNasException($"could not start worker '{command}': {e.Message}"); }
        p.StandardInput.AutoFlush = false;
        var c = new WorkerConnection(p, command, copy);
        try
        {
            var line = c.ReadLine(timeout, ct);
            if (line is null)
                throw new MathNasException($"worker '{command}' exited before its hello{c.ExitText()}{c.StderrText()}");
            c.Hello = WorkerProtocol.ParseHello(line, command);
            return c;
        }
        catch (TimeoutException)
        {
            c.Dispose();
            throw new MathNasException($"worker '{command}' sent no hello within {WorkerProtocol.Seconds(timeout)} s{c.StderrText()}");
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    /// <summary>Writes one line to the worker's stdin and flushes. False when the worker's stdin is closed.</summary>
    public bool WriteLine(string line)
    {
        try
        {
            _process.StandardInput.Write(line);
            _process.StandardInput.Write('\n');
            _process.StandardInput.Flush();
            return true;
        }
        catch (IOException) { return false; }
        catch (ObjectDisposedException) { return false; }
    }

    /// <summary>The next stdout line; null when the worker closed its stdout (exited). Throws <see cref="TimeoutException"/>.</summary>
    public string? ReadLine(TimeSpan timeout, CancellationToken ct)
    {
        string? line;
        bool got;
        try { got = _lines.TryTake(out line, (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds)), ct); }
        catch (ObjectDisposedException) { return null; }
        if (!got) throw new TimeoutException();
        if (line is null) _lines.Add(null); // keep the end marker for later reads
        return line;
    }

    /// <summary>" (exit code N)" once the process has exited (waits briefly for it).</summary>
    public string ExitText()
    {
        try
        {
            if (_process.WaitForExit(2000)) return $" (exit code {_process.ExitCode})";
        }
        catch (InvalidOperationException) { }
        return "";
    }

    /// <summary>"; stderr: last lines" or "" when the worker wrote nothing on stderr.</summary>
    public string StderrText()
    {
        // A worker that exited or was killed: let the stderr reader drain to end of file what it wrote just before
        // (bounded, for a grandchild that keeps the pipe open).
        if (_killed || HasExited) _stderrThread.Join(5000);
        lock (_stderrLock)
        {
            if (_stderr.Count == 0) return "; it wrote nothing on stderr";
            var tail = _stderr.TakeLast(5).Select(l => WorkerProtocol.Clip(l, 300));
            return "; stderr tail: " + string.Join(" | ", tail);
        }
    }

    /// <summary>Stops the worker now (its whole process tree).</summary>
    public void Kill()
    {
        _killed = true;
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Closes the worker's stdin (it should exit on end of input), waits a little, then kills it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
        try
        {
            if (!_process.WaitForExit(3000)) Kill();
        }
        catch (InvalidOperationException) { }
        _stdoutThread.Join(1000);
        _stderrThread.Join(1000);
        _process.Dispose();
    }
}
