namespace MathNas;

/// <summary>Progress of a long job, reported through <see cref="IProgress{T}"/>; the CLI renders it.</summary>
/// <param name="Stage">What is being done ("training epoch 3/10", "measuring latency").</param>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units in all (0 when unknown).</param>
/// <param name="Detail">Optional extra text (loss, accuracy, ETA).</param>
public readonly record struct ProgressInfo(string Stage, long Done, long Total, string Detail = "");
