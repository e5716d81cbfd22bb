using TorchSharp;

namespace MathNas.Torch;

/// <summary>Loads the TorchSharp native library once, with a clear error when it cannot, and pins the thread count.</summary>
public static class TorchRuntime
{
    private static readonly object Lock = new();
    private static bool _loaded;
    private static int _threads = -1;

    public static void EnsureLoaded()
    {
        lock (Lock)
        {
            if (_loaded) return;
            try
            {
                using var t = torch.zeros(1);
                _loaded = true;
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or EntryPointNotFoundException)
            {
                var inner = e.InnerException?.Message ?? e.Message;
                throw new MathNasException($"TorchSharp's native library cannot be loaded ({CliSafe(inner)}); build with 'dotnet build' so build/TorchNative.targets patches libLibTorchSharp.so for this system's libstdc++");
            }
        }
    }

    /// <summary>Sets torch's intra-op thread count (once per process for inter-op).</summary>
    public static void SetThreads(int threads)
    {
        if (threads <= 0) throw new MathNasException($"thread count must be positive, not {threads}");
        EnsureLoaded();
        lock (Lock)
        {
            if (_threads == threads) return;
            torch.set_num_threads(threads);
            _threads = threads;
        }
    }

    public static int Threads => _threads;

    private static string CliSafe(string s) => s.ReplaceLineEndings(" ");
}
