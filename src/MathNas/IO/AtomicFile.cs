using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MathNas.IO;

/// <summary>
/// The one way this project writes an output file: into a temporary file with a unique name in the target's folder,
/// flushed to disk (fsync), then renamed over the target. A reader (or a process killed at any moment) sees the old
/// file or the new one, whole, never a part; concurrent writers of one target never share a temporary file, and the
/// last rename wins. Outputs of several files that belong together are written with <see cref="WriteGroup"/>: every
/// file first, then a manifest (names, sizes and SHA-256 of the files) last, which readers check with
/// <see cref="CheckGroup"/>, so a set that a kill left mixed is refused, never used.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Prepare(path);
        var tmp = TempPath(full);
        try
        {
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch { TryDelete(tmp); throw; }
    }

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>, which writes the content into
    /// the stream it is given.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Prepare(path);
        var tmp = TempPath(full);
        try
        {
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(f);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch { TryDelete(tmp); throw; }
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically with a library that only writes to a path of its own choosing:
    /// <paramref name="writeTo"/> gets a unique temporary path in the target's folder and writes the whole file there;
    /// it is then flushed to disk and renamed over the target.
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        var full = Prepare(path);
        var tmp = TempPath(full);
        try
        {
            writeTo(tmp);
            if (!File.Exists(tmp)) throw new IOException($"nothing was written for '{path}'");
            Fsync(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        catch { TryDelete(tmp); throw; }
    }

    /// <summary>A unique temporary path beside <paramref name="fullPath"/> (hidden, with the process id and a random
    /// part, ending in ".tmp"), so concurrent writers of one target never collide.</summary>
    public static string TempPath(string fullPath)
    {
        var dir = Path.GetDirectoryName(fullPath) ?? ".";
        return Path.Combine(dir, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>The manifest of a file group: every file's name, size and SHA-256.</summary>
    public sealed record Manifest(int Version, Dictionary<string, ManifestEntry> Files);

    public sealed record ManifestEntry(long Bytes, string Sha256);

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Writes a group of files that belong together into <paramref name="dir"/>: each file is written whole into a
    /// unique temporary file and flushed, and so is the manifest <paramref name="manifestName"/> (sizes and SHA-256
    /// of every file); then all are renamed into place, the manifest last. A process killed before the first rename
    /// leaves the old group; one killed between the renames (microseconds) leaves files that do not match the
    /// manifest, which <see cref="CheckGroup"/> refuses. Each writer gets a temporary path and writes its whole file there.
    /// </summary>
    public static void WriteGroup(string dir, IReadOnlyList<(string Name, Action<string> WriteTo)> files, string manifestName)
    {
        var full = Path.GetFullPath(dir);
        Directory.CreateDirectory(full);
        if (files.Select(f => f.Name).Append(manifestName).Distinct(StringComparer.Ordinal).Count() != files.Count + 1)
            throw new ArgumentException("file names of a group must be distinct and differ from the manifest's");
        var temps = new List<(string Tmp, string Target)>();
        try
        {
            var manifest = new Manifest(1, new Dictionary<string, ManifestEntry>(StringComparer.Ordinal));
            foreach (var (name, writeTo) in files)
            {
                if (name != Path.GetFileName(name)) throw new ArgumentException($"'{name}' is not a plain file name");
                var target = Path.Combine(full, name);
                var tmp = TempPath(target);
                temps.Add((tmp, target));
                writeTo(tmp);
                if (!File.Exists(tmp)) throw new IOException($"nothing was written for '{target}'");
                Fsync(tmp);
                manifest.Files[name] = Describe(tmp);
            }
            // The manifest is written and flushed before any rename, so the renames (files, then the manifest last)
            // follow each other with nothing in between: only a kill in that instant leaves files that do not match
            // the manifest, which readers refuse.
            var manifestPath = Path.Combine(full, manifestName);
            var manifestTmp = TempPath(manifestPath);
            temps.Add((manifestTmp, manifestPath));
            using (var f = new FileStream(manifestTmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                f.Write(Utf8.GetBytes(JsonSerializer.Serialize(manifest, ManifestJson)));
                f.Flush(flushToDisk: true);
            }
            foreach (var (tmp, target) in temps) File.Move(tmp, target, overwrite: true);
            temps.Clear();
        }
        catch { foreach (var (tmp, _) in temps) TryDelete(tmp); throw; }
    }

    /// <summary>
    /// Checks that the files of a group in <paramref name="dir"/> are the ones its manifest <paramref name="manifestName"/>
    /// describes (present, same size and SHA-256); throws a <see cref="MathNasException"/> naming
    /// <paramref name="what"/> when the manifest is missing or a file is missing, half-written or from another write.
    /// </summary>
    public static void CheckGroup(string dir, string manifestName, string what)
    {
        var path = Path.Combine(dir, manifestName);
        if (!File.Exists(path))
            throw new MathNasException($"'{dir}' is not a complete {what}: {manifestName} is missing (a write was interrupted?); write it again");
        Manifest? m;
        try { m = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), ManifestJson); }
        catch (JsonException e) { throw new MathNasException($"'{path}' is not a valid manifest: {e.Message}"); }
        if (m?.Files is null || m.Files.Count == 0) throw new MathNasException($"'{path}' is not a valid manifest: it lists no files");
        foreach (var (name, entry) in m.Files)
        {
            if (entry is null || name != Path.GetFileName(name)) throw new MathNasException($"'{path}' is not a valid manifest: bad entry '{name}'");
            var f = Path.Combine(dir, name);
            if (!File.Exists(f)) throw new MathNasException($"'{dir}' is not a complete {what}: {name} is missing");
            var actual = Describe(f);
            if (actual.Bytes != entry.Bytes || !string.Equals(actual.Sha256, entry.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new MathNasException($"'{dir}' is not a consistent {what}: {name} is not the file its {manifestName} describes (half-written or from another write); write it again");
        }
    }

    private static ManifestEntry Describe(string path)
    {
        using var f = File.OpenRead(path);
        var hash = SHA256.HashData(f);
        return new ManifestEntry(f.Length, Convert.ToHexStringLower(hash));
    }

    private static string Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        if (Directory.Exists(full)) throw new MathNasException($"'{path}' is a folder, not a file");
        return full;
    }

    private static void Fsync(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        f.Flush(flushToDisk: true);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
