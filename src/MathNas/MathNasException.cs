namespace MathNas;

/// <summary>
/// An error caused by the user's input (a malformed file, an unknown name, an impossible request).
/// The CLI prints its message on one line and exits with code 2; it never carries a stack trace to the user.
/// </summary>
public class MathNasException : Exception
{
    /// <remarks>The message is made one line and its control characters are escaped (\xNN): messages quote input files.</remarks>
    public MathNasException(string message) : base(TextSafety.OneLine(message)) { }
    public MathNasException(string message, Exception inner) : base(TextSafety.OneLine(message), inner) { }
}
