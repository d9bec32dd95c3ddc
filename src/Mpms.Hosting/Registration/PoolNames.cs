namespace Mpms.Hosting.Registration;

/// <summary>What a pool's name may be: it names processes and threads (<c>mpms-&lt;pool&gt;-p1#t1</c>), log lines and metrics.</summary>
internal static class PoolNames
{
    private const int MaxLength = 64;

    /// <exception cref="ArgumentException">The name is empty, too long, or has a character other than a letter, a digit, '-', '_' or '.'.</exception>
    public static void ThrowIfInvalid(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > MaxLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid pool name: use at most {MaxLength} ASCII letters, digits, '-', '_' or '.'.", nameof(name));
        }
    }
}
