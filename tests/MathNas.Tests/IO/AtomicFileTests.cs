using MathNas.IO;
using MathNas.Tables;

namespace MathNas.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mathnas-atomic-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static string Content(int writer, int round) => $"writer {writer} round {round}\n" + new string((char)('a' + writer % 26), 200_000) + "\nend\n";

    /// <summary>
    /// Many concurrent writers of one target (the 96 concurrent `estimate --out same.json` of issue 10): none fails, no
    /// temporary file is left, and a reader running alongside only ever sees one writer's whole content.
    /// </summary>
    [Fact]
    public async Task Concurrent_writers_of_one_target_never_collide_and_readers_see_whole_files()
    {
        var target = Path.Combine(_dir, "same.json");
        AtomicFile.WriteAllText(target, Content(0, -1));
        var valid = new HashSet<string> { Content(0, -1) };
        for (int w = 0; w < 24; w++) for (int k = 0; k < 4; k++) valid.Add(Content(w, k));
        using var stop = new CancellationTokenSource();
        int reads = 0, bad = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                string s;
                try { s = File.ReadAllText(target); }
                catch (FileNotFoundException) { Interlocked.Increment(ref bad); continue; }
                if (!valid.Contains(s)) Interlocked.Increment(ref bad);
                reads++;
            }
        });
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, 96, new ParallelOptions { MaxDegreeOfParallelism = 24 }, i =>
        {
            try { AtomicFile.WriteAllText(target, Content(i % 24, i / 24)); }
            catch (Exception e) { errors.Add(e); }
        });
        stop.Cancel();
        await reader;
        Assert.Empty(errors);
        Assert.Equal(0, bad);
        Assert.Contains(File.ReadAllText(target), valid);
        Assert.Equal(["same.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Concurrent_table_saves_of_one_file_all_succeed()
    {
        var target = Path.Combine(_dir, "t.json");
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, 48, i =>
        {
            var set = new TableSet { Space = "s" + i };
            set.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = i, Deltas = [[0, 1]] });
            try { set.Save(target); }
            catch (Exception e) { errors.Add(e); }
        });
        Assert.Empty(errors);
        Assert.StartsWith("s", TableSet.Load(target).Space);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_failed_write_keeps_the_old_file_and_leaves_no_temporary()
    {
        var target = Path.Combine(_dir, "keep.txt");
        AtomicFile.WriteAllText(target, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(target, s => { s.Write([1, 2, 3]); throw new InvalidOperationException("boom"); }));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteVia(target, p => { File.WriteAllText(p, "half"); throw new InvalidOperationException("boom"); }));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(_dir));
        // a folder as the target: a one-line user error, and nothing written beside it
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        Assert.Contains("is a folder", Assert.Throws<MathNasException>(() => AtomicFile.WriteAllText(folder, "x")).Message);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_group_is_checked_against_its_manifest_and_a_mixed_or_half_written_group_is_refused()
    {
        var dir = Path.Combine(_dir, "group");
        void Write(string a, string b) => AtomicFile.WriteGroup(dir,
            [("a.bin", p => File.WriteAllText(p, a)), ("b.json", p => File.WriteAllText(p, b))], "manifest.json");
        Write("weights 1", "{\"v\": 1}");
        AtomicFile.CheckGroup(dir, "manifest.json", "group");
        var old = (File.ReadAllBytes(Path.Combine(dir, "a.bin")), File.ReadAllBytes(Path.Combine(dir, "b.json")));
        Write("weights 2", "{\"v\": 2}");
        AtomicFile.CheckGroup(dir, "manifest.json", "group");
        Assert.Equal("weights 2", File.ReadAllText(Path.Combine(dir, "a.bin")));
        Assert.Equal(3, Directory.GetFiles(dir).Length);

        // mixed: the new a.bin beside the old b.json (a kill between the renames, or a hand copy)
        File.WriteAllBytes(Path.Combine(dir, "b.json"), old.Item2);
        Assert.Contains("not a consistent group", Assert.Throws<MathNasException>(() => AtomicFile.CheckGroup(dir, "manifest.json", "group")).Message);
        // half-written
        Write("weights 3", "{\"v\": 3}");
        File.WriteAllBytes(Path.Combine(dir, "a.bin"), [.. File.ReadAllBytes(Path.Combine(dir, "a.bin")).AsSpan(0, 4)]);
        Assert.Throws<MathNasException>(() => AtomicFile.CheckGroup(dir, "manifest.json", "group"));
        // missing manifest (killed before it was first written) or a missing file
        File.Delete(Path.Combine(dir, "manifest.json"));
        Assert.Contains("manifest.json is missing", Assert.Throws<MathNasException>(() => AtomicFile.CheckGroup(dir, "manifest.json", "group")).Message);
        Write("weights 4", "{}");
        File.Delete(Path.Combine(dir, "b.json"));
        Assert.Contains("b.json is missing", Assert.Throws<MathNasException>(() => AtomicFile.CheckGroup(dir, "manifest.json", "group")).Message);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{ not json");
        Assert.Contains("not a valid manifest", Assert.Throws<MathNasException>(() => AtomicFile.CheckGroup(dir, "manifest.json", "group")).Message);
    }
}
