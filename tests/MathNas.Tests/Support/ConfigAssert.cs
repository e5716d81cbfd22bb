namespace MathNas.Tests.Support;

/// <summary>Shared checks for native config parsers.</summary>
public static class ConfigAssert
{
    /// <summary>
    /// <paramref name="good"/> parses; with <paramref name="from"/> replaced by <paramref name="to"/> (a real change) it is
    /// refused as "broken.yml" with a message containing <paramref name="expected"/> and the source name. Returns the exception.
    /// </summary>
    public static MathNasException RejectsEdit(Func<string, string, object> parse, string good, string from, string to, string expected)
    {
        Assert.NotNull(parse(good, "<config>"));
        var text = good.Replace(from, to);
        Assert.NotEqual(good, text);
        var e = Assert.Throws<MathNasException>(() => parse(text, "broken.yml"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("broken.yml", e.Message);
        return e;
    }
}
