using System.Text.Json;

namespace MathNas.Cli.Tests;

/// <summary>Runs the tool in-process and captures stdout, stderr and the exit code.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;
    }

    private static readonly object Lock = new();

    public static Result Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc;
        lock (Lock) rc = CliApp.Run(args, o, e);
        return new Result(rc, o.ToString(), e.ToString());
    }

    /// <summary>
    /// Like <see cref="Run"/>, with a hang detector: the run gets <paramref name="hangLimit"/> from the moment it holds
    /// the in-process lock (time spent waiting for other tests' runs does not count), else a result with exit code -1.
    /// </summary>
    public static Result RunGuarded(TimeSpan hangLimit, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = -1;
        lock (Lock)
        {
            var t = new Thread(() => rc = CliApp.Run(args, o, e)) { IsBackground = true };
            t.Start();
            if (!t.Join(hangLimit)) return new Result(-1, "", $"hung: no answer within {hangLimit.TotalSeconds:0} s");
        }
        return new Result(rc, o.ToString(), e.ToString());
    }

    public static string RepoFile(params string[] parts) =>
        Path.Combine([MathNas.Data.DataLocator.RepositoryRoot()!, .. parts]);
}
