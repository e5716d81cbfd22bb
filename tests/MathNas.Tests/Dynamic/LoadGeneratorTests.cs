using System.Diagnostics;
using MathNas.Dynamic;

namespace MathNas.Tests.Dynamic;

public class LoadGeneratorTests
{
    [Fact]
    public void Profile_parses_and_locates_steps()
    {
        var p = LoadProfile.Parse("0:5s, 1:500ms,2:1.5,0:0.1m");
        Assert.Equal(4, p.Steps.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(500), p.Steps[1].Duration);
        Assert.Equal(TimeSpan.FromSeconds(1.5), p.Steps[2].Duration);
        Assert.Equal(TimeSpan.FromSeconds(6), p.Steps[3].Duration);
        Assert.Equal(TimeSpan.FromSeconds(13), p.Total);
        Assert.Equal(2, p.MaxThreads);
        Assert.Equal(1, p.ThreadsAt(TimeSpan.FromSeconds(5.2)));
        Assert.Equal(2, p.ThreadsAt(TimeSpan.FromSeconds(5.5)));
        Assert.Equal(0, p.ThreadsAt(TimeSpan.FromSeconds(13)));
        Assert.Equal(-1, p.StepAt(TimeSpan.FromSeconds(14)));
        Assert.Equal(TimeSpan.FromSeconds(5.5), p.StartOf(2));
        Assert.Equal("0:5s,1:0.5s,2:1.5s,0:6s", p.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("x:5s")]
    [InlineData("1:abc")]
    [InlineData("-1:5s")]
    [InlineData("1:0s")]
    [InlineData("1:2:3")]
    public void Bad_profiles_are_user_errors(string text) =>
        Assert.Throws<MathNasException>(() => LoadProfile.Parse(text));

    [Fact]
    public void Generator_stops_by_itself_at_its_deadline()
    {
        var p = LoadProfile.Parse("1:150ms,2:150ms,0:100ms");
        var sw = Stopwatch.StartNew();
        using var g = new LoadGenerator(p);
        g.Start();
        Assert.Equal(2, g.ThreadCount);
        Thread.Sleep(30);
        var before = g.Elapsed;
        int level = g.Level;
        var after = g.Elapsed;
        Assert.Contains(level, new[] { p.ThreadsAt(before), p.ThreadsAt(after) });
        // A patience of a minute detects a generator that never stops; how fast it stops is not asserted (load-dependent).
        Assert.True(g.Wait(TimeSpan.FromSeconds(60)), "load threads did not stop at the end of the profile");
        var t = sw.Elapsed.TotalSeconds;
        Assert.True(g.IsFinished);
        Assert.True(t >= 0.39, $"stopped after {t} s, before the end of the 0.4 s profile");
        Assert.Equal(0, g.Level);
    }

    [Fact]
    public void Generator_stops_on_cancellation()
    {
        var p = LoadProfile.Parse("2:60s");
        using var cts = new CancellationTokenSource();
        using var g = new LoadGenerator(p, cts.Token);
        g.Start();
        Thread.Sleep(50);
        Assert.False(g.IsFinished);
        cts.Cancel();
        // Stopping on cancellation (not after the profile's 60 s): a patience well below 60 s, not a speed assert.
        Assert.True(g.Wait(TimeSpan.FromSeconds(30)), "load threads did not stop on cancellation");
    }

    [Fact]
    public void Step_analysis_reports_return_times_and_failures()
    {
        var profile = LoadProfile.Parse("0:1s,1:1s,2:1s");
        // median path: in band, then out for step 1 until 1.4 s, back in; step 2 out until its end
        // step 1 starts in band (5) and leaves it at 1.1 s (the median lags the load)
        var samples = new List<TimelineSample>();
        for (int k = 0; k < 300; k++)
        {
            double t = k * 0.01;
            double m = t < 1.1 ? 5 : t < 1.4 ? 12 : t < 2.0 ? 6 : 15;
            samples.Add(new TimelineSample(t, m, m, profile.ThreadsAt(TimeSpan.FromSeconds(t)), k == 140 ? ControllerAction.Switched : ControllerAction.None));
        }
        samples.Add(new TimelineSample(3.0, 15, 15, 0, ControllerAction.None));
        var r = DynamicRunner.AnalyzeSteps(samples, profile, 4, 10);
        Assert.Equal(3, r.Count);
        Assert.True(r[0].InBandAtEnd);
        Assert.Equal(0, r[0].ReturnS);
        Assert.False(r[0].LeftBand);
        Assert.True(r[1].InBandAtEnd);
        Assert.Equal(0.4, r[1].ReturnS!.Value, 6);
        Assert.Equal(0.4, r[1].FirstReturnS!.Value, 6);
        Assert.Equal(0, r[0].FirstReturnS);
        Assert.Equal(1, r[1].Switches);
        Assert.False(r[2].InBandAtEnd);
        Assert.Null(r[2].ReturnS);
        Assert.Null(r[2].FirstReturnS);
    }

    [Fact]
    public void Run_loop_under_simulated_load_records_timeline_and_stops_load()
    {
        int[] counts = [5, 6, 4, 7];
        var (acc, lat) = DynamicFixtures.RandomTables(counts, 3);
        var (lo, hi) = lat.Range();
        // measured bounds live 0.2 s here (the steps are 0.4 s), so the start network can come back when the load goes
        var opt = new ControllerOptions { BandMin = lo + 0.45 * (hi - lo), BandMax = lo + 0.65 * (hi - lo), Window = 5, BoundSeconds = 0.2 };
        var loaded = ParetoBlockSelection.Select(acc, lat, 5);
        var net = new FakeRuntimeNetwork(lat, DynamicController.InitialArchitecture(acc, lat, loaded, opt));
        var profile = LoadProfile.Parse("0:400ms,1:400ms,0:400ms");
        // the fake's slowdown follows the profile step by step
        // the fake's clock starts at its first run, just after the run loop's clock: it never runs ahead of the profile
        var sw = new Stopwatch();
        var wrapped = new TimedFake(net, t => 1 + 0.5 * profile.ThreadsAt(t), sw);
        var ctl2 = new DynamicController(wrapped, acc, lat, loaded, opt);
        var res = DynamicRunner.Run(ctl2, TimeSpan.FromSeconds(1.2), profile);
        Assert.True(res.LoadStoppedInTime);
        Assert.True(res.Timeline.Count > 100);
        Assert.Equal(2, res.SwitchCount); // into load and out of it
        Assert.Equal(3, res.Steps.Count(s => s.EndS <= res.Timeline[^1].TimeS));
        Assert.True(res.AllStepsReturned, string.Join("; ", res.Steps));
        Assert.Equal(res.Events.Count, res.EventTimesS.Count);
    }

    private sealed class TimedFake(FakeRuntimeNetwork inner, Func<TimeSpan, double> factor, Stopwatch clock) : MathNas.Dynamic.IRuntimeNetwork
    {
        public MathNas.Spaces.Architecture Current => inner.Current;
        public double RunOnce()
        {
            if (!clock.IsRunning) clock.Start();
            inner.Factor = factor(clock.Elapsed);
            Thread.SpinWait(2000);
            return inner.RunOnce();
        }
        public void Switch(IReadOnlyList<BlockChange> changes) => inner.Switch(changes);
        public void Rebuild(MathNas.Spaces.Architecture a) => inner.Rebuild(a);
    }
}
