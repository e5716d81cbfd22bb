using System.Diagnostics;
using Xunit.Abstractions;

namespace MathNas.Tests.Reliability;

/// <summary>
/// The fuzz suite (issue 10): a generated corpus of at least 1,000 bad inputs across every file reader, each read
/// in-process under a hang detector and an allocation guard. Targets: 0 crashes (any exception but
/// MathNasException), 0 hangs, 0 inputs over 1 GB, 0 wrong answers (every input is bad, so an answer is wrong),
/// and every rejection a one-line message without control characters or .NET type names.
/// </summary>
public class ReaderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_reader_rejects_every_bad_input_of_the_corpus_cleanly()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mathnas-fuzz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var cases = FuzzCorpus.All(dir).ToList();
            Assert.True(cases.Count >= 1000, $"the corpus has {cases.Count} inputs; the target is at least 1,000");
            var sw = Stopwatch.StartNew();
            var results = cases.Select(FuzzGuard.Run).ToList();
            sw.Stop();
            var failures = new List<string>();
            foreach (var r in results)
            {
                if (r.Outcome != FuzzOutcome.Rejected)
                    failures.Add($"{r.Case.Reader} / {r.Case.Name}: {r.Outcome}: {r.Detail}");
                else if (FuzzGuard.MessageProblem(r.Detail) is { Length: > 0 } problem)
                    failures.Add($"{r.Case.Reader} / {r.Case.Name}: {problem}: {r.Detail}");
            }
            foreach (var g in results.GroupBy(r => r.Case.Reader).OrderBy(g => g.Key))
                output.WriteLine($"{g.Key,-28} {g.Count(),5} inputs, {g.Count(r => r.Outcome == FuzzOutcome.Rejected),5} rejected, slowest {g.Max(r => r.Elapsed.TotalMilliseconds),8:F1} ms, most allocated {g.Max(r => r.AllocatedBytes) / 1e6,8:F1} MB");
            var slowest = results.MaxBy(r => r.Elapsed)!;
            output.WriteLine($"{results.Count} inputs in {sw.Elapsed.TotalSeconds:F1} s; slowest {slowest.Case.Reader} / {slowest.Case.Name} {slowest.Elapsed.TotalMilliseconds:F0} ms; most allocated {results.Max(r => r.AllocatedBytes) / 1e6:F1} MB");
            foreach (var f in failures.Take(60)) output.WriteLine("FAIL " + f);
            Assert.True(failures.Count == 0, $"{failures.Count} of {results.Count} inputs were not cleanly rejected; first: {string.Join(" | ", failures.Take(5))}");
            // every reader of the brief is covered
            foreach (var reader in new[] { "space-yaml", "space-json", "tables-json", "pt", "csv-blocks", "csv-matrix", "csv-sheet", "csv-parity", "hat-csv" }
                         .Concat(FuzzCorpus.ConfigSpaces.Select(s => "config-" + s)))
                Assert.Contains(results, r => r.Case.Reader == reader);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_corpus_is_the_same_in_every_run()
    {
        var dir1 = Path.Combine(Path.GetTempPath(), "mathnas-fuzz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir1);
        try
        {
            var a = FuzzCorpus.All(dir1).Select(c => c.Reader + "/" + c.Name).ToList();
            var b = FuzzCorpus.All(dir1).Select(c => c.Reader + "/" + c.Name).ToList();
            Assert.Equal(a, b);
        }
        finally { Directory.Delete(dir1, true); }
    }

    /// <summary>The corpus's base inputs are valid: so each mutation, not a broken base, is what the readers reject.</summary>
    [Fact]
    public void The_unmutated_bases_are_read()
    {
        var space = FuzzCorpus.FuzzSpace();
        Assert.Equal(3, space.NodeCount);
        Assert.Equal(2, space.Constraints[0].Terms.Count);
        var json = MathNas.Spaces.SpaceFile.Parse(FuzzCorpus.Flow(FuzzCorpus.SpaceTree()), "fz.json");
        Assert.Equal(space.TotalBlocks, json.TotalBlocks);
        var t = MathNas.Tables.TableSet.Parse(FuzzCorpus.TablesJson(), "t.json");
        t.CheckAgainst(space);
        var pt = MathNas.Reference.TorchPtReader.Read(FuzzCorpus.ValidPt(), "ok.pt");
        Assert.Equal([2, 3], pt.Shape);
        Assert.Equal(2.25, pt[1, 2]);
        var hat = MathNas.LatencyModels.HatLatencyData.Parse(FuzzCorpus.HatHeader + "\n" + string.Join("\n", FuzzCorpus.HatRows()) + "\n", "hat.csv");
        Assert.Equal(5, hat.Count);
        foreach (var name in FuzzCorpus.ConfigSpaces)
        {
            var sp = MathNas.Spaces.SpaceRegistry.Resolve(name);
            var cs = (MathNas.Spaces.IConfigSpace)sp;
            Assert.Equal(sp.BaseArchitecture, cs.ReadConfig(cs.WriteConfig(sp.BaseArchitecture)));
        }
    }
}
