namespace MathNas.Data;

/// <summary>
/// Finds the public ground-truth data folder (see the shared data README): $MATHNAS_DATA if set,
/// else ../shared/data relative to the current folder, else relative to the repository root
/// (the folder holding MathNas.sln, searched upward from the running program).
/// </summary>
public static class DataLocator
{
    public const string EnvironmentVariable = "MATHNAS_DATA";

    /// <summary>The data folder, or null when none exists.</summary>
    public static string? Find()
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), RepositoryRoot() })
        {
            if (start is null) continue;
            var candidate = Path.GetFullPath(Path.Combine(start, "..", "shared", "data"));
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The data folder, or a clear error saying where it was looked for.</summary>
    public static string Require()
    {
        var d = Find();
        if (d is not null) return d;
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        throw new MathNasException(string.IsNullOrWhiteSpace(env)
            ? "the ground-truth data folder was not found: set MATHNAS_DATA to it, or place it at ../shared/data beside the repository"
            : $"MATHNAS_DATA is set to '{env}', which is not a folder");
    }

    /// <summary>A file under the data folder, or a clear error naming it.</summary>
    public static string RequireFile(params string[] relative)
    {
        var path = Path.Combine([Require(), .. relative]);
        if (!File.Exists(path)) throw new MathNasException($"data file '{path}' is missing");
        return path;
    }

    /// <summary>The repository root (folder with MathNas.sln) above the running program, or null.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MathNas.sln"))) return dir.FullName;
                dir = dir.Parent;
            }
        }
        return null;
    }
}
