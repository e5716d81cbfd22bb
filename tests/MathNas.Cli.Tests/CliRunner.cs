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

    public static string RepoFile(params string[] parts) =>
        Path.Combine([MathNas.Data.DataLocator.RepositoryRoot()!, .. parts]);
}
