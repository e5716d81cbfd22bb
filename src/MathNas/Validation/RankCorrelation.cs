namespace MathNas.Validation;

/// <summary>Rank correlations between predicted and true values.</summary>
public static class RankCorrelation
{
    /// <summary>Spearman's rho (MathNet.Numerics; average ranks for ties). NaN when either side is constant.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        if (x.Count < 2) return double.NaN;
        return MathNet.Numerics.Statistics.Correlation.Spearman(x, y);
    }

    /// <summary>
    /// Kendall's tau-b in O(n log n) (Knight 1966): sort by (x, y), count ties, then count the exchanges a merge sort
    /// by y needs (the discordant pairs). tau_b = (n0 - n1 - n2 + n3 - 2 S) / sqrt((n0 - n1)(n0 - n2)), with n0 the
    /// pairs, n1/n2 the pairs tied in x/y, n3 the pairs tied in both. NaN when either side is constant.
    /// </summary>
    public static double KendallTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n = x.Count;
        if (n < 2) return double.NaN;
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Array.Sort(idx, (a, b) =>
        {
            int c = x[a].CompareTo(x[b]);
            return c != 0 ? c : y[a].CompareTo(y[b]);
        });
        double n0 = (double)n * (n - 1) / 2;
        double n1 = 0, n3 = 0;
        // Ties in x, and joint ties in (x, y).
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && x[idx[end]] == x[idx[start]]) end++;
            double t = end - start;
            n1 += t * (t - 1) / 2;
            for (int s = start; s < end;)
            {
                int e = s + 1;
                while (e < end && y[idx[e]] == y[idx[s]]) e++;
                double u = e - s;
                n3 += u * (u - 1) / 2;
                s = e;
            }
            start = end;
        }
        // Merge sort by y, counting exchanges (pairs out of order in y with strictly greater y first).
        var ys = new double[n];
        for (int i = 0; i < n; i++) ys[i] = y[idx[i]];
        var buffer = new double[n];
        double swaps = MergeCount(ys, buffer, 0, n);
        double n2 = 0;
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && ys[end] == ys[start]) end++;
            double t = end - start;
            n2 += t * (t - 1) / 2;
            start = end;
        }
        double denom = Math.Sqrt((n0 - n1) * (n0 - n2));
        if (denom == 0) return double.NaN;
        return (n0 - n1 - n2 + n3 - 2 * swaps) / denom;
    }

    private static double MergeCount(double[] a, double[] buf, int lo, int hi)
    {
        if (hi - lo < 2) return 0;
        int mid = (lo + hi) / 2;
        double swaps = MergeCount(a, buf, lo, mid) + MergeCount(a, buf, mid, hi);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi)
        {
            if (a[j] < a[i])
            {
                swaps += mid - i;
                buf[k++] = a[j++];
            }
            else buf[k++] = a[i++];
        }
        while (i < mid) buf[k++] = a[i++];
        while (j < hi) buf[k++] = a[j++];
        Array.Copy(buf, lo, a, lo, hi - lo);
        return swaps;
    }

    /// <summary>Kendall's tau-b by direct O(n²) pair counting (the reference for tests and small inputs).</summary>
    public static double KendallTauBBruteForce(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n = x.Count;
        double concordant = 0, discordant = 0, tiesXOnly = 0, tiesYOnly = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                int sx = Math.Sign(x[i] - x[j]), sy = Math.Sign(y[i] - y[j]);
                if (sx == 0 && sy == 0) continue;
                if (sx == 0) tiesXOnly++;
                else if (sy == 0) tiesYOnly++;
                else if (sx == sy) concordant++;
                else discordant++;
            }
        }
        double denom = Math.Sqrt((concordant + discordant + tiesXOnly) * (concordant + discordant + tiesYOnly));
        return denom == 0 ? double.NaN : (concordant - discordant) / denom;
    }

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new MathNasException($"rank correlation needs equal lengths ({x.Count} vs {y.Count})");
        for (int i = 0; i < x.Count; i++)
        {
            if (double.IsNaN(x[i]) || double.IsNaN(y[i])) throw new MathNasException($"rank correlation: value {i} is NaN");
        }
    }
}
