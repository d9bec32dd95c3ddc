namespace Mpms.Hosting.Protocol;

/// <summary>An exception reduced to text, so that it can cross the process boundary.</summary>
internal sealed record WireError(string Type, string Message, string? StackTrace, string? Details)
{
    public static WireError From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, exception.ToString());
}
