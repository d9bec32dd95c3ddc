namespace Mpms.Hosting.Tests.Unit.Architecture;

/// <summary>
/// Blanks out what is not code in C# source: comments, preprocessor lines, and the text of string and character literals
/// (regular, verbatim, raw, interpolated; the code in interpolation holes is kept). Every offset and line stays where it
/// was, so a match in the result points at the same place in the source.
/// </summary>
internal static class CSharpText
{
    public static string StripCommentsAndStrings(string source)
    {
        char[] output = source.ToCharArray();
        int i = 0;
        ScanCode(source, output, ref i, inHole: false);
        return new string(output);
    }

    /// <summary>Scans code to the end, or (in an interpolation hole) to the <c>}</c> that closes the hole; returns at that brace.</summary>
    private static void ScanCode(string s, char[] output, ref int i, bool inHole)
    {
        int depth = 0;
        bool lineStart = !inHole;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\n')
            {
                lineStart = !inHole;
                i++;
                continue;
            }

            if (lineStart && !char.IsWhiteSpace(c))
            {
                lineStart = false;
                if (c == '#')
                {
                    // #region names, #pragma and #error texts are words, not code.
                    i = BlankTo(output, i, LineEnd(s, i));
                    continue;
                }
            }

            if (c == '/' && At(s, i + 1) == '/')
            {
                i = BlankTo(output, i, LineEnd(s, i));
                continue;
            }

            if (c == '/' && At(s, i + 1) == '*')
            {
                int end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = BlankTo(output, i, end < 0 ? s.Length : end + 2);
                continue;
            }

            if (c == '\'')
            {
                i = ScanChar(s, output, i);
                continue;
            }

            if (c is '"' or '$' or '@' && TryScanString(s, output, ref i))
            {
                continue;
            }

            if (inHole)
            {
                if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']')
                {
                    depth--;
                }
                else if (c == '}')
                {
                    if (depth == 0)
                    {
                        return;
                    }

                    depth--;
                }
                else if (c == ':' && depth == 0 && At(s, i + 1) != ':' && At(s, i - 1) != ':')
                {
                    // A format specifier ({value:0.##}) is text up to the closing brace.
                    int end = s.IndexOf('}', i);
                    i = BlankTo(output, i, end < 0 ? s.Length : end);
                    return;
                }
            }

            i++;
        }
    }

    private static int ScanChar(string s, char[] output, int start)
    {
        int i = start + 1;
        while (i < s.Length && s[i] != '\'' && s[i] != '\n')
        {
            i += s[i] == '\\' ? 2 : 1;
        }

        return BlankTo(output, start, Math.Min(i + 1, s.Length));
    }

    /// <summary>Scans a string literal starting at <paramref name="i"/> (with its <c>$</c> and <c>@</c> prefix), if one starts there.</summary>
    private static bool TryScanString(string s, char[] output, ref int i)
    {
        int j = i;
        int dollars = 0;
        bool verbatim = false;
        while (j < s.Length && s[j] is '$' or '@')
        {
            if (s[j] == '$')
            {
                dollars++;
            }
            else
            {
                verbatim = true;
            }

            j++;
        }

        if (At(s, j) != '"')
        {
            return false;
        }

        int quotes = 0;
        while (At(s, j + quotes) == '"')
        {
            quotes++;
        }

        i = !verbatim && quotes >= 3
            ? ScanRaw(s, output, i, j + quotes, quotes, dollars)
            : ScanQuoted(s, output, i, j + 1, verbatim, dollars);
        return true;
    }

    private static int ScanQuoted(string s, char[] output, int start, int i, bool verbatim, int dollars)
    {
        int literal = start;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '"')
            {
                if (verbatim && At(s, i + 1) == '"')
                {
                    i += 2;
                    continue;
                }

                return BlankTo(output, literal, i + 1);
            }

            if (c == '\\' && !verbatim)
            {
                i += 2;
                continue;
            }

            if (c == '\n' && !verbatim)
            {
                return BlankTo(output, literal, i);
            }

            if (dollars > 0 && c is '{' or '}')
            {
                if (At(s, i + 1) == c)
                {
                    i += 2;
                    continue;
                }

                if (c == '{')
                {
                    BlankTo(output, literal, i + 1);
                    i++;
                    ScanCode(s, output, ref i, inHole: true);
                    literal = i;
                }
            }

            i++;
        }

        return BlankTo(output, literal, s.Length);
    }

    private static int ScanRaw(string s, char[] output, int start, int i, int quotes, int dollars)
    {
        int literal = start;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '"')
            {
                int run = 0;
                while (At(s, i + run) == '"')
                {
                    run++;
                }

                if (run >= quotes)
                {
                    return BlankTo(output, literal, i + run);
                }

                i += run;
                continue;
            }

            if (dollars > 0 && c == '{')
            {
                int run = 0;
                while (At(s, i + run) == '{')
                {
                    run++;
                }

                if (run >= dollars)
                {
                    // The last $-count braces open the hole; the ones before them are text.
                    i += run;
                    BlankTo(output, literal, i);
                    ScanCode(s, output, ref i, inHole: true);
                    literal = i; // the closing braces are text again
                    i = Math.Min(s.Length, i + dollars);
                    continue;
                }

                i += run;
                continue;
            }

            i++;
        }

        return BlankTo(output, literal, s.Length);
    }

    private static int BlankTo(char[] output, int from, int to)
    {
        for (int k = from; k < to; k++)
        {
            if (output[k] is not ('\n' or '\r'))
            {
                output[k] = ' ';
            }
        }

        return to;
    }

    private static int LineEnd(string s, int i)
    {
        int end = s.IndexOf('\n', i);
        return end < 0 ? s.Length : end;
    }

    private static char At(string s, int i) => i >= 0 && i < s.Length ? s[i] : '\0';
}
