namespace Mpms.Hosting.Protocol;

/// <summary>An exception reduced to text, so that it can cross the process boundary.</summary>
internal sealed record WireError(string Type, string Message, string? StackTrace, string? Details)
{
    public static WireError From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, exception.ToString());

    /// <summary>Cuts every text to at most <paramref name="maxChars"/> characters, so the error fits in a frame.</summary>
    public WireError Truncate(int maxChars) =>
        new(Cut(Type, maxChars), Cut(Message, maxChars), CutOrNull(StackTrace, maxChars), CutOrNull(Details, maxChars));

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxChars"/> characters, saying so at its end.</summary>
    public static string Cut(string text, int maxChars) => text.Length > maxChars ? text[..maxChars] + " [truncated]" : text;

    private static string? CutOrNull(string? text, int maxChars) => text is null ? null : Cut(text, maxChars);
}
