using System.CommandLine;
using System.Reflection;

namespace MathNas.Cli;

/// <summary>A `mathnas` sub-command. Every non-abstract implementation in this assembly is registered by reflection.</summary>
internal interface ICliCommand
{
    Command Build(CliEnv env);
}

/// <summary>Exit codes of the tool.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad input, a failed parse, an infeasible budget, missing data: one line on stderr.</summary>
    public const int Error = 2;
    /// <summary>
    /// The request was valid and ran, but its answer could not be confirmed by measurement: `search --verify` ended
    /// without a measured network that meets every budget. The report is printed (stdout) and one line on stderr
    /// says what was measured.
    /// </summary>
    public const int Unverified = 3;
}

public static class CliApp
{
    /// <summary>Runs the tool in-process (tests use this with their own writers).</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        MathNas.Torch.TorchModule.Register();
        var env = new CliEnv(output ?? Console.Out, error ?? Console.Error, output is null && !Console.IsOutputRedirected);
        var root = BuildRoot(env);
        ParseResult parsed;
        try
        {
            parsed = root.Parse(args);
        }
        catch (Exception e)
        {
            env.Err.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.Error;
        }
        if (parsed.Errors.Count > 0)
        {
            var path = string.Join(' ', CommandPath(parsed).Prepend("mathnas"));
            env.Err.WriteLine($"error: {OneLine(ParseError(parsed.Errors[0].Message))} (see '{path} --help')");
            return ExitCodes.Error;
        }
        var config = new InvocationConfiguration { Output = env.Out, Error = env.Err, EnableDefaultExceptionHandler = false };
        try
        {
            return parsed.Invoke(config);
        }
        catch (Exception e)
        {
            return env.Fail(e);
        }
    }

    /// <summary>Every command of the tool, with the range validators of its numeric options (<see cref="OptionLimits"/>).</summary>
    internal static RootCommand BuildRoot(CliEnv env)
    {
        var root = new RootCommand("mathnas: hardware-aware neural architecture search (MathNAS) for .NET");
        foreach (var t in typeof(CliApp).Assembly.GetTypes()
                     .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
                     .OrderBy(t => t.Name))
        {
            var cmd = (ICliCommand)Activator.CreateInstance(t, nonPublic: true)!;
            root.Subcommands.Add(cmd.Build(env));
        }
        OptionLimits.Apply(root);
        return root;
    }

    /// <summary>A parse error in the user's terms: "as a whole number" rather than "as expected type 'System.Int32'".</summary>
    internal static string ParseError(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '(System\.Nullable`1\[)?System\.(?<t>\w+)\]?'", m => m.Groups["t"].Value switch
        {
            "Int32" or "Int64" or "Int16" => "as a whole number",
            "Double" or "Single" or "Decimal" => "as a number",
            "Boolean" => "as true or false",
            "String" => "as text",
            var other => "as a value of kind " + other,
        });

    private static IEnumerable<string> CommandPath(ParseResult p)
    {
        var names = new List<string>();
        for (var r = p.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is RootCommand) break;
            names.Insert(0, r.Command.Name);
        }
        return names;
    }

    /// <summary>One line, with control characters from input files escaped (\xNN) so they cannot act on the terminal.</summary>
    internal static string OneLine(string s) => TextSafety.Escape(s.ReplaceLineEndings(" ").Replace('\t', ' ').Trim());
}
