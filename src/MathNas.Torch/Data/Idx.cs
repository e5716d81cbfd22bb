using System.IO.Compression;

namespace MathNas.Torch.Data;

/// <summary>
/// Reader of the IDX format of (Fashion-)MNIST: a big-endian header (magic 0x00000803 for images: count, rows, cols;
/// 0x00000801 for labels: count), then unsigned bytes. Files may be gzip-compressed (".gz").
/// </summary>
public static class Idx
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    public sealed record Images(int Count, int Rows, int Cols, byte[] Pixels);

    public static Images ReadImages(string path)
    {
        var bytes = ReadAll(path);
        var magic = Header(bytes, 0, path);
        if (magic != ImagesMagic)
            throw new MathNasException($"'{path}' is not an IDX image file (magic 0x{magic:x8}, expected 0x{ImagesMagic:x8})");
        if (bytes.Length < 16) throw new MathNasException($"'{path}' is truncated: its IDX header needs 16 bytes");
        int n = Header(bytes, 4, path), rows = Header(bytes, 8, path), cols = Header(bytes, 12, path);
        if (n < 0 || rows <= 0 || cols <= 0) throw new MathNasException($"'{path}': invalid IDX sizes {n} x {rows} x {cols}");
        long expected = 16L + (long)n * rows * cols;
        if (bytes.Length != expected)
            throw new MathNasException($"'{path}' holds {bytes.Length} bytes but its header announces {n} images of {rows}x{cols} ({expected} bytes)");
        return new Images(n, rows, cols, bytes.AsSpan(16).ToArray());
    }

    public static byte[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        var magic = Header(bytes, 0, path);
        if (magic != LabelsMagic)
            throw new MathNasException($"'{path}' is not an IDX label file (magic 0x{magic:x8}, expected 0x{LabelsMagic:x8})");
        if (bytes.Length < 8) throw new MathNasException($"'{path}' is truncated: its IDX header needs 8 bytes");
        int n = Header(bytes, 4, path);
        if (n < 0 || bytes.Length != 8L + n)
            throw new MathNasException($"'{path}' holds {bytes.Length} bytes but its header announces {n} labels ({8L + n} bytes)");
        return bytes.AsSpan(8).ToArray();
    }

    /// <summary>Writes an IDX file (used by tests and tools); gzip-compressed when the path ends in ".gz".</summary>
    public static void Write(string path, int magic, int[] dims, byte[] data)
    {
        using var ms = new MemoryStream();
        void Be(int v) { ms.WriteByte((byte)(v >> 24)); ms.WriteByte((byte)(v >> 16)); ms.WriteByte((byte)(v >> 8)); ms.WriteByte((byte)v); }
        Be(magic);
        foreach (var d in dims) Be(d);
        ms.Write(data);
        var bytes = ms.ToArray();
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            IO.AtomicFile.Write(path, f =>
            {
                using var gz = new GZipStream(f, CompressionLevel.Fastest, leaveOpen: true);
                gz.Write(bytes);
            });
        else IO.AtomicFile.WriteAllBytes(path, bytes);
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"IDX file '{path}' does not exist");
        try
        {
            if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllBytes(path);
            using var f = File.OpenRead(path);
            using var gz = new GZipStream(f, CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new MathNasException($"'{path}' is not a valid gzip file: {e.Message}");
        }
    }

    private static int Header(byte[] b, int offset, string path)
    {
        if (b.Length < offset + 4) throw new MathNasException($"'{path}' is truncated: no IDX header");
        return b[offset] << 24 | b[offset + 1] << 16 | b[offset + 2] << 8 | b[offset + 3];
    }
}
