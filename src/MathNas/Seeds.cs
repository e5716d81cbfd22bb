namespace MathNas;

/// <summary>
/// The one way seeds are combined in this project. .NET's <c>HashCode</c> type and string hash codes are
/// randomised per process, so a seed derived with them gives another run in another process; this function
/// is a fixed formula (SplitMix64's finaliser, applied in turn to the seed, the stream and the index), so the same
/// (seed, stream, index) gives the same derived seed on every machine, process and .NET version.
/// </summary>
public static class Seeds
{
    /// <summary>
    /// A seed for the random choices of <paramref name="stream"/> (a constant naming what they are for, e.g. "the
    /// training epoch's shuffle") number <paramref name="index"/> (e.g. the epoch), derived from the user's
    /// <paramref name="seed"/>. Distinct inputs give unrelated, non-negative <see cref="int"/> seeds.
    /// </summary>
    public static int Derive(long seed, long stream, long index = 0)
    {
        ulong h = Mix(unchecked((ulong)seed));
        h = Mix(h ^ unchecked((ulong)stream));
        h = Mix(h ^ unchecked((ulong)index));
        return (int)(h >> 33); // 31 bits: always a valid, non-negative seed for System.Random
    }

    /// <summary>A stable 64-bit hash of <paramref name="text"/> (FNV-1a over its UTF-16 code units, then mixed),
    /// for naming a stream by a string, or a stable hash code of a value.</summary>
    public static ulong Hash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text) h = unchecked((h ^ c) * 1099511628211UL);
        return Mix(h);
    }

    /// <summary>A stable hash code (the same in every process) of a sequence of integers.</summary>
    public static int HashCode(ReadOnlySpan<int> values)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (int v in values) h = Mix(h ^ unchecked((uint)v));
        return unchecked((int)h);
    }

    /// <summary>SplitMix64: add the golden-ratio increment, then the finaliser (Steele, Lea and Flood 2014).</summary>
    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
