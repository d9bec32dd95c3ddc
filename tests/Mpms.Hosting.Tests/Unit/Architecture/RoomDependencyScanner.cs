using System.Text.RegularExpressions;

namespace Mpms.Hosting.Tests.Unit.Architecture;

/// <summary>A room of the library: the top-level folders of <c>src/Mpms.Hosting/</c> it holds, and the rooms it may use.</summary>
/// <param name="Name">The room's name.</param>
/// <param name="Folders">Top-level folders; <see cref="TopLevel"/> stands for the files directly in <c>src/Mpms.Hosting/</c>.</param>
/// <param name="MayUse">The rooms whose types its files may name; <see cref="Everything"/> for all. A room may always use itself.</param>
internal sealed record Room(string Name, string[] Folders, string[] MayUse)
{
    public const string TopLevel = "";
    public const string Everything = "*";

    public bool MayUseRoom(string other) => other == Name || MayUse.Contains(Everything) || MayUse.Contains(other);

    public override string ToString() => Name;
}

/// <summary>One source file: its path relative to <c>src/Mpms.Hosting/</c> (with <c>/</c>), and its text.</summary>
internal sealed record SourceFile(string Path, string Text);

/// <summary>A reference from a file of one room to a type of a room it may not use, or a file that is in no room.</summary>
internal sealed record RoomViolation(string File, int Line, string Type, string FromRoom, string ToRoom)
{
    public override string ToString() => Type.Length == 0
        ? $"{File}: in no room (its folder is not in the table)"
        : $"{File}:{Line}: {FromRoom} uses {Type} of room {ToRoom}";
}

/// <summary>
/// Finds references between rooms without a compiler. It learns the types each room declares (nested ones too), then, in
/// every file with comments and strings blanked out, reports a type name of another room when the file could bind it: the
/// name qualified by the type's namespace (or an alias of it), or the bare name when the file's namespace encloses the
/// type's namespace or the file imports it. Where a bare name is declared in several rooms, the enclosing namespace wins,
/// then the imported ones; the reference is allowed when one of those it may bind to is in an allowed room. A nested type
/// counts only where it is named through its declaring type (<c>Outer.Nested</c>).
/// </summary>
/// <remarks>
/// Without a compiler it cannot tell a member from a type: a property or local named like a type of a room the file
/// imports is taken for that type. A member access (<c>x.Name</c>) is never taken for one.
/// </remarks>
internal sealed partial class RoomDependencyScanner(IReadOnlyList<Room> rooms)
{
    private static readonly HashSet<string> Keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long",
        "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected", "public",
        "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct", "switch",
        "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void",
        "volatile", "while", "where", "record", "file", "partial", "required", "scoped", "allows",
    ];

    public IReadOnlyList<RoomViolation> Scan(IEnumerable<SourceFile> files)
    {
        List<ParsedFile> parsed = [.. files.Select(Parse)];
        HashSet<string> globalUsings = [.. parsed.SelectMany(f => f.GlobalUsings)];
        ILookup<string, TypeDeclaration> declarations = parsed
            .Where(f => f.Room is not null)
            .SelectMany(f => f.Declarations)
            .SelectMany(d => d.Name.EndsWith("Attribute", StringComparison.Ordinal) && d.Name.Length > "Attribute".Length
                ? new[] { (d.Name, d), (d.Name[..^"Attribute".Length], d) }
                : [(d.Name, d)])
            .ToLookup(p => p.Item1, p => p.d, StringComparer.Ordinal);

        var violations = new List<RoomViolation>();
        foreach (ParsedFile file in parsed)
        {
            if (file.Room is null)
            {
                violations.Add(new RoomViolation(file.Path, 0, "", "", ""));
                continue;
            }

            violations.AddRange(Check(file, declarations, globalUsings)
                .GroupBy(v => (v.Type, v.ToRoom))
                .Select(g => g.MinBy(v => v.Line)!));
        }

        return [.. violations.OrderBy(v => v.File, StringComparer.Ordinal).ThenBy(v => v.Line).ThenBy(v => v.Type, StringComparer.Ordinal)];
    }

    /// <summary>The types a file declares, as namespace-qualified names (nested ones as Outer.Nested).</summary>
    public IReadOnlyList<string> DeclaredTypes(SourceFile file) => [.. Parse(file).Declarations.Select(d => d.DisplayName)];

    /// <summary>The room a file belongs to, by its top-level folder; <see langword="null"/> when no room holds that folder.</summary>
    public Room? RoomOf(string path)
    {
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string folder = slash < 0 ? Room.TopLevel : path[..slash];
        return rooms.FirstOrDefault(r => r.Folders.Contains(folder, StringComparer.Ordinal));
    }

    private IEnumerable<RoomViolation> Check(ParsedFile file, ILookup<string, TypeDeclaration> declarations, HashSet<string> globalUsings)
    {
        Room from = file.Room!;
        foreach (Match word in Identifier().Matches(file.Code))
        {
            string name = word.Value;
            if (!declarations.Contains(name))
            {
                continue;
            }

            string? qualifier = QualifierBefore(file.Code, word.Index, out bool qualified);
            if (qualified && qualifier is null)
            {
                continue; // a member of a value (x.Name, f().Name): not a type reference
            }

            IEnumerable<TypeDeclaration> bound = qualified
                ? declarations[name].Where(d => BindsQualified(file, d, qualifier!, declarations, globalUsings))
                : BindBare(file, declarations[name].Where(d => d.Outer is null), globalUsings);
            List<TypeDeclaration> candidates = [.. bound];
            if (candidates.Count == 0 || candidates.Any(d => from.MayUseRoom(d.Room.Name)))
            {
                continue;
            }

            foreach (TypeDeclaration target in candidates)
            {
                yield return new RoomViolation(file.Path, file.LineOf(word.Index), target.DisplayName, from.Name, target.Room.Name);
            }
        }
    }

    /// <summary>What a bare name binds to: a type of an enclosing namespace (the innermost wins), else those the file imports.</summary>
    private static IEnumerable<TypeDeclaration> BindBare(ParsedFile file, IEnumerable<TypeDeclaration> topLevel, HashSet<string> globalUsings)
    {
        List<TypeDeclaration> types = [.. topLevel];
        List<TypeDeclaration> enclosing = [.. types.Where(d => Encloses(d.Namespace, file.Namespace))];
        if (enclosing.Count > 0)
        {
            int innermost = enclosing.Max(d => d.Namespace.Length);
            return enclosing.Where(d => d.Namespace.Length == innermost);
        }

        return types.Where(d => file.Imports.Contains(d.Namespace) || globalUsings.Contains(d.Namespace));
    }

    /// <summary>Whether <c>qualifier.Name</c> in the file names <paramref name="type"/>.</summary>
    private static bool BindsQualified(ParsedFile file, TypeDeclaration type, string qualifier, ILookup<string, TypeDeclaration> declarations, HashSet<string> globalUsings)
    {
        if (type.Outer is null)
        {
            return NamesNamespace(file, qualifier, type.Namespace);
        }

        // Outer.Nested: the outer type must itself be named, bare or qualified.
        int dot = qualifier.LastIndexOf('.');
        string outer = dot < 0 ? qualifier : qualifier[(dot + 1)..];
        if (outer != type.Outer)
        {
            return false;
        }

        return dot < 0
            ? BindBare(file, declarations[outer].Where(d => d.Outer is null && d.Namespace == type.Namespace), globalUsings).Any()
            : NamesNamespace(file, qualifier[..dot], type.Namespace);
    }

    /// <summary>Whether <paramref name="qualifier"/>, written in the file, names namespace <paramref name="ns"/>.</summary>
    private static bool NamesNamespace(ParsedFile file, string qualifier, string ns)
    {
        if (qualifier.StartsWith("global::", StringComparison.Ordinal))
        {
            return qualifier["global::".Length..] == ns;
        }

        int dot = qualifier.IndexOf('.', StringComparison.Ordinal);
        string first = dot < 0 ? qualifier : qualifier[..dot];
        if (file.Aliases.TryGetValue(first, out string? target) && target + qualifier[first.Length..] == ns)
        {
            return true;
        }

        // Relative to the file's namespace or any namespace that encloses it (Protocol.X from inside Mpms.Hosting.Queue).
        return file.EnclosingNamespaces.Any(e => (e.Length == 0 ? qualifier : e + "." + qualifier) == ns);
    }

    private static bool Encloses(string ns, string fileNamespace) =>
        ns.Length == 0 || fileNamespace == ns || fileNamespace.StartsWith(ns + ".", StringComparison.Ordinal);

    /// <summary>
    /// The dotted name written before the identifier at <paramref name="index"/> (<c>Mpms.Hosting.Protocol</c> before
    /// <c>FrameType</c>, generic arguments dropped), or <see langword="null"/> when something other than names precedes the dot.
    /// </summary>
    private static string? QualifierBefore(string code, int index, out bool qualified)
    {
        int k = SkipSpaceBack(code, index - 1);
        qualified = k >= 0 && (code[k] == '.' || (code[k] == ':' && k > 0 && code[k - 1] == ':'));
        if (!qualified)
        {
            return null;
        }

        var segments = new List<string>();
        while (true)
        {
            if (code[k] == ':')
            {
                int aliasEnd = SkipSpaceBack(code, k - 2);
                int aliasStart = aliasEnd;
                while (aliasStart >= 0 && IsIdentifierChar(code[aliasStart]))
                {
                    aliasStart--;
                }

                string alias = code[(aliasStart + 1)..(aliasEnd + 1)];
                return alias == "global" && segments.Count > 0 ? "global::" + string.Join('.', segments) : null;
            }

            k = SkipSpaceBack(code, k - 1);
            if (k >= 0 && code[k] == '>')
            {
                k = SkipGenericArgumentsBack(code, k);
                if (k < 0)
                {
                    return null;
                }
            }

            int end = k;
            while (k >= 0 && IsIdentifierChar(code[k]))
            {
                k--;
            }

            if (k == end || char.IsDigit(code[k + 1]))
            {
                return null;
            }

            segments.Insert(0, code[(k + 1)..(end + 1)]);
            k = SkipSpaceBack(code, k);
            if (k >= 0 && code[k] == ':' && k > 0 && code[k - 1] == ':')
            {
                continue;
            }

            if (k < 0 || code[k] != '.')
            {
                return string.Join('.', segments);
            }
        }
    }

    private static int SkipGenericArgumentsBack(string code, int k)
    {
        int depth = 0;
        for (; k >= 0; k--)
        {
            if (code[k] == '>')
            {
                depth++;
            }
            else if (code[k] == '<' && --depth == 0)
            {
                return SkipSpaceBack(code, k - 1);
            }
            else if (code[k] is ';' or '{' or '}' or '(' or ')')
            {
                return -1;
            }
        }

        return -1;
    }

    private static int SkipSpaceBack(string code, int k)
    {
        while (k >= 0 && char.IsWhiteSpace(code[k]))
        {
            k--;
        }

        return k;
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private ParsedFile Parse(SourceFile source)
    {
        string code = CSharpText.StripCommentsAndStrings(source.Text);
        Room? room = RoomOf(source.Path);
        string ns = NamespaceDeclaration().Match(code) is { Success: true } m ? m.Groups["ns"].Value : "";
        var imports = new HashSet<string>(StringComparer.Ordinal);
        var globalUsings = new List<string>();
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match directive in UsingDirective().Matches(code))
        {
            string target = Regex.Replace(directive.Groups["target"].Value, @"\s+", "");
            if (directive.Groups["alias"].Success)
            {
                aliases[directive.Groups["alias"].Value] = target;
            }
            else if (!directive.Groups["static"].Success)
            {
                (directive.Groups["global"].Success ? (ICollection<string>)globalUsings : imports).Add(target);
            }
        }

        var file = new ParsedFile(source.Path, room, code, ns, imports, globalUsings, aliases);
        if (room is not null)
        {
            file.Declarations.AddRange(Declarations(code, ns, room, source.Path));
        }

        return file;
    }

    /// <summary>The types a file declares, each with the type it is nested in (found by following the braces).</summary>
    private static IEnumerable<TypeDeclaration> Declarations(string code, string ns, Room room, string path)
    {
        var scopes = new Stack<string?>();
        string? pending = null;
        foreach (Match token in DeclarationToken().Matches(code))
        {
            if (token.Groups["name"].Success)
            {
                string name = token.Groups["name"].Value;
                if (Keywords.Contains(name))
                {
                    continue;
                }

                yield return new TypeDeclaration(name, ns, OuterType(scopes), room, path);
                pending = name;
            }
            else if (token.Groups["delegate"].Success)
            {
                string name = token.Groups["delegate"].Value;
                if (!Keywords.Contains(name))
                {
                    yield return new TypeDeclaration(name, ns, OuterType(scopes), room, path);
                }
            }
            else if (token.Value == "{")
            {
                scopes.Push(pending);
                pending = null;
            }
            else if (token.Value == "}")
            {
                scopes.TryPop(out _);
            }
            else
            {
                pending = null; // ';' ends a declaration without a body (record R(int X);)
            }
        }
    }

    /// <summary>The innermost type around the current scope, if any: a nested type is named through it (Outer.Nested).</summary>
    private static string? OuterType(Stack<string?> scopes) => scopes.FirstOrDefault(s => s is not null);

    [GeneratedRegex(@"(?<![\w@])[A-Za-z_]\w*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"\bnamespace\s+(?<ns>[\w.]+)")]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"(?m)^\s*(?<global>global\s+)?using\s+(?<static>static\s+)?(?:(?<alias>\w+)\s*=\s*)?(?<target>[\w.\s<>,]+?)\s*;")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\b(?:record\s+(?:class|struct)|class|struct|interface|enum|record)\s+@?(?<name>[A-Za-z_]\w*)|\bdelegate\s+[\w.<>\[\],?\s]+?\s+@?(?<delegate>[A-Za-z_]\w*)\s*[<(]|[{};]")]
    private static partial Regex DeclarationToken();

    private sealed record TypeDeclaration(string Name, string Namespace, string? Outer, Room Room, string File)
    {
        public string DisplayName => Outer is null ? $"{Namespace}.{Name}" : $"{Namespace}.{Outer}.{Name}";
    }

    private sealed class ParsedFile(string path, Room? room, string code, string ns, HashSet<string> imports, List<string> globalUsings, Dictionary<string, string> aliases)
    {
        private int[]? _lineStarts;

        public string Path { get; } = path;

        public Room? Room { get; } = room;

        public string Code { get; } = code;

        public string Namespace { get; } = ns;

        public HashSet<string> Imports { get; } = imports;

        public List<string> GlobalUsings { get; } = globalUsings;

        public Dictionary<string, string> Aliases { get; } = aliases;

        public List<TypeDeclaration> Declarations { get; } = [];

        /// <summary>Gets the file's namespace and every namespace around it, out to the global one ("").</summary>
        public IEnumerable<string> EnclosingNamespaces
        {
            get
            {
                for (string ns = Namespace; ; ns = ns.Contains('.', StringComparison.Ordinal) ? ns[..ns.LastIndexOf('.')] : "")
                {
                    yield return ns;
                    if (ns.Length == 0)
                    {
                        yield break;
                    }
                }
            }
        }

        public int LineOf(int index)
        {
            _lineStarts ??= [0, .. Code.Select((c, i) => (c, i)).Where(p => p.c == '\n').Select(p => p.i + 1)];
            int line = Array.BinarySearch(_lineStarts, index);
            return line < 0 ? ~line : line + 1;
        }
    }
}
