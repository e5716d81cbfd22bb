using ScottPlot;

namespace MathNas.Cli;

/// <summary>PNG plots for the CLI (ScottPlot, headless). Every plot has a title, axis labels and a legend where it has several series.</summary>
internal static class Plots
{
    public sealed record Series(string Label, double[] X, double[] Y, bool Lines = false, bool Markers = true, float MarkerSize = 4);

    /// <summary>Writes a scatter/line plot of the given series to <paramref name="path"/> (PNG), atomically.</summary>
    public static void Save(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
        int width = 900, int height = 650, bool diagonal = false, IReadOnlyList<(double X, string Label)>? verticalLines = null,
        IReadOnlyList<(double Y, string Label)>? horizontalLines = null, Alignment? legendAlignment = null) =>
        // Rendered to bytes, then written atomically: a kill never leaves a half-written PNG over an old one.
        MathNas.IO.AtomicFile.WriteAllBytes(path, Render(title, xLabel, yLabel, series, width, height, diagonal, verticalLines, horizontalLines, legendAlignment));

    /// <summary>The PNG bytes of a scatter/line plot of the given series.</summary>
    public static byte[] Render(string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
        int width = 900, int height = 650, bool diagonal = false, IReadOnlyList<(double X, string Label)>? verticalLines = null,
        IReadOnlyList<(double Y, string Label)>? horizontalLines = null, Alignment? legendAlignment = null)
    {
        var plt = new Plot();
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        foreach (var s in series)
        {
            var sc = plt.Add.Scatter(s.X, s.Y);
            sc.LegendText = s.Label;
            sc.LineWidth = s.Lines ? 2 : 0;
            sc.MarkerSize = s.Markers ? s.MarkerSize : 0;
        }
        if (diagonal && series.Count > 0)
        {
            var all = series.SelectMany(s => s.X.Concat(s.Y)).Where(double.IsFinite).ToArray();
            if (all.Length > 0)
            {
                double lo = all.Min(), hi = all.Max();
                var d = plt.Add.Line(lo, lo, hi, hi);
                d.LinePattern = LinePattern.Dashed;
                d.LegendText = "y = x";
            }
        }
        foreach (var (x, label) in verticalLines ?? [])
        {
            var v = plt.Add.VerticalLine(x);
            v.LinePattern = LinePattern.Dashed;
            v.LegendText = label;
        }
        foreach (var (y, label) in horizontalLines ?? [])
        {
            var h = plt.Add.HorizontalLine(y);
            h.LinePattern = LinePattern.Dashed;
            h.LegendText = label;
        }
        if (series.Count > 1 || diagonal || (verticalLines?.Count ?? 0) > 0 || (horizontalLines?.Count ?? 0) > 0)
        {
            if (legendAlignment is { } a) plt.ShowLegend(a); else plt.ShowLegend();
        }
        return plt.GetImageBytes(width, height, ImageFormat.Png);
    }
}
