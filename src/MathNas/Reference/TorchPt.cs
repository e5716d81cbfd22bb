using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;

namespace MathNas.Reference;

/// <summary>A dense tensor read from a torch <c>.pt</c> file, widened to double, in row-major order.</summary>
/// <param name="StorageType">The torch storage class, e.g. "FloatStorage".</param>
/// <param name="Shape">Size of every dimension.</param>
/// <param name="Data">The values in row-major order (strides and storage offset already applied).</param>
public sealed record TorchTensor(string StorageType, int[] Shape, double[] Data)
{
    public int Rank => Shape.Length;
    public int Count => Data.Length;

    /// <summary>Value at a multi-index (row-major).</summary>
    public double this[params int[] index]
    {
        get
        {
            if (index.Length != Shape.Length) throw new MathNasException($"tensor of rank {Shape.Length} indexed with {index.Length} indices");
            int flat = 0;
            for (int d = 0; d < index.Length; d++)
            {
                if (index[d] < 0 || index[d] >= Shape[d]) throw new MathNasException($"tensor index {index[d]} out of range 0..{Shape[d] - 1} in dimension {d}");
                flat = flat * Shape[d] + index[d];
            }
            return Data[flat];
        }
    }

    /// <summary>The rows of a rank-2 tensor as jagged arrays.</summary>
    public double[][] ToMatrix()
    {
        if (Shape.Length != 2) throw new MathNasException($"expected a matrix, the tensor has shape [{string.Join(",", Shape)}]");
        var m = new double[Shape[0]][];
        for (int i = 0; i < Shape[0]; i++) m[i] = Data.AsSpan(i * Shape[1], Shape[1]).ToArray();
        return m;
    }
}

/// <summary>
/// Reads a tensor saved with <c>torch.save</c> in the zip format: <c>ARCHIVE/data.pkl</c> (a pickle whose
/// tensors are <c>torch._utils._rebuild_tensor_v2</c> calls on persistent-id storages) plus the raw
/// little-endian storages <c>ARCHIVE/data/KEY</c>. FloatStorage, DoubleStorage and LongStorage are supported
/// (also Int/Half-free integer storages Int/Short/Char/Byte); every other storage or layout is a clear error.
/// </summary>
public static class TorchPtReader
{
    private static readonly Dictionary<string, (int Size, Func<ReadOnlySpan<byte>, double> Read)> StorageKinds = new()
    {
        ["FloatStorage"] = (4, b => BinaryPrimitives.ReadSingleLittleEndian(b)),
        ["DoubleStorage"] = (8, b => BinaryPrimitives.ReadDoubleLittleEndian(b)),
        ["LongStorage"] = (8, b => BinaryPrimitives.ReadInt64LittleEndian(b)),
        ["IntStorage"] = (4, b => BinaryPrimitives.ReadInt32LittleEndian(b)),
        ["ShortStorage"] = (2, b => BinaryPrimitives.ReadInt16LittleEndian(b)),
        ["CharStorage"] = (1, b => (sbyte)b[0]),
        ["ByteStorage"] = (1, b => b[0]),
    };

    /// <summary>Largest <c>.pt</c> file, largest uncompressed entry, total uncompressed bytes read from one file, most entries.</summary>
    public const long MaxFileBytes = 256L << 20, MaxEntryBytes = 64L << 20, MaxTotalBytes = 256L << 20;
    public const int MaxEntries = 10_000;
    /// <summary>Most elements of one tensor (checked, with its strides, before anything is allocated).</summary>
    public const long MaxElements = 1L << 22;

    private static readonly object RegisterLock = new();
    private static bool _registered;

    private static void EnsureRegistered()
    {
        lock (RegisterLock)
        {
            if (_registered) return;
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensorConstructor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new RebuildTensorConstructor());
            foreach (var k in StorageKinds.Keys) Unpickler.registerConstructor("torch", k, new StorageTypeMarker(k));
            _registered = true;
        }
    }

    /// <summary>Reads the single tensor a <c>.pt</c> file holds.</summary>
    public static TorchTensor Read(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"torch file '{path}' does not exist");
        byte[] bytes;
        try
        {
            var len = new FileInfo(path).Length;
            if (len > MaxFileBytes) throw new MathNasException($"torch file '{path}' is too large: {len:N0} bytes (at most {MaxFileBytes:N0})");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MathNasException($"cannot read torch file '{path}': {e.Message}");
        }
        return Read(bytes, path);
    }

    /// <summary>Reads the single tensor held by the bytes of a <c>.pt</c> file.</summary>
    public static TorchTensor Read(byte[] bytes, string source = "<pt>")
    {
        if (bytes.Length == 0) throw new MathNasException($"torch file '{source}' is empty");
        ZipArchive zip;
        try { zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read); }
        catch (InvalidDataException e)
        {
            throw new MathNasException($"torch file '{source}' is not a torch zip archive (legacy or truncated file?): {e.Message}");
        }
        using (zip)
        {
            IReadOnlyCollection<ZipArchiveEntry> entries;
            try { entries = zip.Entries; }
            catch (InvalidDataException e) { throw new MathNasException($"torch file '{source}' has a damaged zip directory: {e.Message}"); }
            if (entries.Count > MaxEntries) throw new MathNasException($"torch file '{source}' has {entries.Count:N0} entries (at most {MaxEntries:N0})");
            var budget = new ReadBudget();
            var pkl = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl").ToList();
            if (pkl.Count != 1) throw new MathNasException($"torch file '{source}' has {pkl.Count} data.pkl entries, expected 1");
            var prefix = pkl[0].FullName[..^"data.pkl".Length];
            byte[] pickle = ReadEntry(pkl[0], source, budget);
            EnsureRegistered();
            object root;
            var loader = new StorageUnpickler(key =>
            {
                var entry = zip.GetEntry(prefix + "data/" + key)
                    ?? throw new MathNasException($"torch file '{source}': storage '{key}' is missing from the archive");
                return ReadEntry(entry, source, budget);
            }, source);
            try { root = loader.loads(pickle); }
            catch (MathNasException) { throw; }
            catch (Exception e)
            {
                throw new MathNasException($"torch file '{source}': its pickle cannot be read ({e.GetType().Name}: {e.Message})");
            }
            return root switch
            {
                TorchTensor t => t,
                null => throw new MathNasException($"torch file '{source}' holds None, not a tensor"),
                _ => throw new MathNasException($"torch file '{source}' holds a {Describe(root)}, not a single tensor"),
            };
        }
    }

    private static string Describe(object o) => o switch
    {
        IDictionary => "dictionary",
        IList => "list",
        string => "string",
        _ => o.GetType().Name,
    };

    /// <summary>Uncompressed bytes read so far from one file (all entries together).</summary>
    private sealed class ReadBudget { public long Total; }

    /// <summary>
    /// One entry, whole, within the size caps (declared and actual: a lying header cannot make it read more), and with
    /// its CRC-32 checked against the zip directory, so that a damaged or tampered entry is an error, not a value.
    /// </summary>
    private static byte[] ReadEntry(ZipArchiveEntry e, string source, ReadBudget budget)
    {
        var name = TextSafety.Escape(e.FullName);
        if (e.Length < 0 || e.Length > MaxEntryBytes)
            throw new MathNasException($"torch file '{source}': entry '{name}' declares {e.Length:N0} bytes (at most {MaxEntryBytes:N0} per entry)");
        if (budget.Total + e.Length > MaxTotalBytes)
            throw new MathNasException($"torch file '{source}': its entries hold more than {MaxTotalBytes:N0} bytes uncompressed");
        try
        {
            using var s = e.Open();
            var buf = new byte[e.Length];
            int got = 0;
            while (got < buf.Length)
            {
                int n = s.Read(buf, got, buf.Length - got);
                if (n == 0) break;
                got += n;
            }
            if (got != buf.Length || s.Read(new byte[1], 0, 1) != 0)
                throw new MathNasException($"torch file '{source}': entry '{name}' does not hold the {e.Length:N0} bytes its header declares");
            budget.Total += buf.Length;
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(buf);
            if (crc != e.Crc32)
                throw new MathNasException($"torch file '{source}': entry '{name}' is damaged (CRC-32 {crc:x8}, the archive says {e.Crc32:x8})");
            return buf;
        }
        catch (InvalidDataException ex)
        {
            throw new MathNasException($"torch file '{source}': entry '{name}' is damaged: {TextSafety.Escape(ex.Message)}");
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException)
        {
            throw new MathNasException($"torch file '{source}': entry '{name}' cannot be read: {TextSafety.Escape(ex.Message)}");
        }
    }

    /// <summary>What GLOBAL 'torch FloatStorage' (etc.) unpickles to: a marker naming the storage type.</summary>
    private sealed class StorageTypeMarker(string name) : IObjectConstructor
    {
        public string Name { get; } = name;
        public object construct(object[] args) => throw new MathNasException($"torch storage class {Name} cannot be called directly");
    }

    /// <summary>A storage loaded from the archive: the raw values as double.</summary>
    private sealed record Storage(string Type, double[] Values);

    private sealed class StorageUnpickler(Func<string, byte[]> readStorage, string source) : Unpickler
    {
        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] t || t.Length < 5 || t[0] as string != "storage")
                throw new MathNasException($"torch file '{source}': unexpected persistent id (not a ('storage', type, key, location, size) tuple)");
            if (t[1] is not StorageTypeMarker type)
                throw new MathNasException($"torch file '{source}': unsupported storage type {t[1]} (supported: {string.Join(", ", StorageKinds.Keys)})");
            var key = t[2]?.ToString() ?? throw new MathNasException($"torch file '{source}': storage without a key");
            long count = t[4] switch
            {
                int i => i,
                long l => l,
                _ => throw new MathNasException($"torch file '{source}': storage '{TextSafety.Escape(key)}' has a size that is not an integer"),
            };
            var (size, read) = StorageKinds[type.Name];
            if (count < 0 || count > MaxEntryBytes / size)
                throw new MathNasException($"torch file '{source}': storage '{TextSafety.Escape(key)}' declares {count:N0} elements (at most {MaxEntryBytes / size:N0})");
            var raw = readStorage(key);
            if (raw.LongLength != count * size)
                throw new MathNasException($"torch file '{source}': storage '{key}' has {raw.Length} bytes, expected {count} x {size}");
            var values = new double[count];
            for (int i = 0; i < count; i++) values[i] = read(raw.AsSpan(i * size, size));
            return new Storage(type.Name, values);
        }
    }

    private sealed class RebuildTensorConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (args.Length < 4 || args[0] is not Storage storage)
                throw new MathNasException("tensor record is not _rebuild_tensor_v2(storage, offset, size, stride, ...)");
            long offset = ToLong(args[1], "storage offset");
            var shape = ToInts(args[2], "size");
            var stride = ToInts(args[3], "stride");
            if (shape.Length != stride.Length) throw new MathNasException($"tensor has {shape.Length} sizes but {stride.Length} strides");
            if (shape.Length > 16) throw new MathNasException($"tensor has {shape.Length} dimensions (at most 16)");
            if (offset < 0) throw new MathNasException("tensor has a negative storage offset");
            // Every check before anything is allocated: the element count, and the last element the strides reach.
            long n = 1, last = offset;
            bool empty = false;
            for (int d = 0; d < shape.Length; d++)
            {
                if (shape[d] < 0) throw new MathNasException("tensor has a negative size");
                if (stride[d] < 0) throw new MathNasException("tensor has a negative stride");
                if (shape[d] == 0) empty = true;
            }
            if (!empty)
            {
                for (int d = 0; d < shape.Length; d++)
                {
                    n *= shape[d];
                    if (n > MaxElements) throw new MathNasException($"tensor of shape [{string.Join(",", shape)}] has more than {MaxElements:N0} elements");
                    last += (long)(shape[d] - 1) * stride[d];
                }
                if (last >= storage.Values.Length)
                    throw new MathNasException($"tensor of shape [{string.Join(",", shape)}] and strides [{string.Join(",", stride)}] reads element {last} of a storage of {storage.Values.Length}");
            }
            else n = 0;
            var data = new double[n];
            var idx = new int[shape.Length];
            for (long k = 0; k < n; k++)
            {
                long pos = offset;
                for (int d = 0; d < shape.Length; d++) pos += (long)idx[d] * stride[d];
                if (pos < 0 || pos >= storage.Values.Length)
                    throw new MathNasException($"tensor reads element {pos} of a storage of {storage.Values.Length}");
                data[k] = storage.Values[pos];
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    if (++idx[d] < shape[d]) break;
                    idx[d] = 0;
                }
            }
            return new TorchTensor(storage.Type, shape, data);
        }

        private static long ToLong(object o, string what) => o switch
        {
            int i => i,
            long l => l,
            _ => throw new MathNasException($"tensor {what} is not an integer"),
        };

        private static int[] ToInts(object o, string what) => o switch
        {
            object[] a => a.Select(x => checked((int)ToLong(x, what))).ToArray(),
            _ => throw new MathNasException($"tensor {what} is not a tuple"),
        };
    }
}
