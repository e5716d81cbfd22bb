using MathNas.Data;

namespace MathNas.Tests.Support;

/// <summary>
/// Locates the shared ground-truth data for tests. Tests that need it are [SkippableFact]/[SkippableTheory]
/// and call <see cref="Require"/>, which skips the test with a message when the data is absent
/// (CI has it at ../shared/data).
/// </summary>
public static class TestData
{
    public static string? Dir => DataLocator.Find();

    /// <summary>Path of a data file or folder under the shared data; skips the test when it is absent.</summary>
    public static string Require(params string[] relative)
    {
        var d = Dir;
        var path = d is null ? null : Path.Combine([d, .. relative]);
        Skip.If(path is null || (!File.Exists(path) && !Directory.Exists(path)),
            $"shared data not found ({string.Join('/', relative)}): set MATHNAS_DATA or put it at ../shared/data; test skipped");
        return path!;
    }
}
