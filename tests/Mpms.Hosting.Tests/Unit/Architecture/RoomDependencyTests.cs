namespace Mpms.Hosting.Tests.Unit.Architecture;

/// <summary>
/// The library's rooms (DESIGN.md, "The next shape") and the way their dependencies may run: this test reads the sources
/// and fails, naming each file and reference, when a room names a type of a room it may not use.
/// </summary>
public sealed class RoomDependencyTests
{
    private const string Everything = Room.Everything;
    private const string TopLevel = Room.TopLevel;

    /// <summary>The rooms by top-level folder of src/Mpms.Hosting/ (a folder that does not exist yet holds nothing).</summary>
    private static readonly Room[] Rooms =
    [
        //  Room           Folders                                                             May use
        new("Contracts",   [TopLevel, "Exceptions"],                                           ["Contracts"]),
        new("Hosting",     ["Registration", "Hosting", "DependencyInjection", "HealthChecks"], [Everything]),
        new("Queue",       ["Queue"],                                                          ["Dispatch", "Protocol", "Diagnostics", "Contracts"]),
        new("Dispatch",    ["Dispatch"],                                                       ["Protocol", "Contracts"]),
        new("Supervision", ["Supervision"],                                                    ["Dispatch", "Protocol", "Diagnostics", "Contracts"]),
        new("Protocol",    ["Protocol"],                                                       ["Contracts"]),
        new("Worker",      ["Worker"],                                                         ["Protocol", "Diagnostics", "Contracts"]),
        new("Diagnostics", ["Diagnostics"],                                                    ["Contracts"]),
    ];

    [Fact]
    public void LibrarySources_EveryRoom_UsesOnlyTheRoomsItMay()
    {
        IReadOnlyList<RoomViolation> violations = new RoomDependencyScanner(Rooms).Scan(LibrarySources());

        if (violations.Count > 0)
        {
            Assert.Fail(
                $"{violations.Count} reference(s) run the wrong way between the rooms of src/Mpms.Hosting/:{Environment.NewLine}" +
                string.Join(Environment.NewLine, violations.Select(v => $"  {v} ({MayUseText(v.FromRoom)})")));
        }
    }

    [Fact]
    public void LibrarySources_EveryFile_IsReadWithBalancedBracesAndATypeDeclared()
    {
        // The check would pass silently if it misread the sources: a string or comment taken wrongly unbalances the
        // braces that are left, and a file in which it finds no type means the declarations were missed.
        var scanner = new RoomDependencyScanner(Rooms);

        Assert.All(LibrarySources(), file =>
        {
            string code = CSharpText.StripCommentsAndStrings(file.Text);
            Assert.True(code.Count(c => c == '{') == code.Count(c => c == '}'), $"Unbalanced braces after stripping {file.Path}.");
            Assert.True(scanner.DeclaredTypes(file).Count > 0, $"No type found in {file.Path}.");
        });
    }

    [Theory]
    [InlineData("var s = \"a { b\"; // }", "var s = ;")]
    [InlineData("x = $\"{Foo(\"}\")} {{y}} {z:0.0}\";", "x = Foo( ) z ;")]
    [InlineData("c = '\"'; d = @\"\"\"{\"; e = /* { */ 1;", "c = ; d = ; e = 1;")]
    [InlineData("r = $$\"\"\"{x} {{Bar}}\"\"\";", "r = Bar ;")]
    [InlineData("#region A { region\nint a; /* multi\nline */ int b;", "int a; int b;")]
    public void StripCommentsAndStrings_KeepsCodeAndInterpolatedCodeOnly(string source, string expectedTokens)
    {
        string stripped = CSharpText.StripCommentsAndStrings(source);

        Assert.Equal(source.Length, stripped.Length);
        Assert.Equal(expectedTokens, string.Join(' ', stripped.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void RoomTable_EveryRoomItNames_IsARoomOfTheTable()
    {
        HashSet<string> names = [.. Rooms.Select(r => r.Name)];

        Assert.All(Rooms, room => Assert.All(room.MayUse, used => Assert.True(used == Everything || names.Contains(used), $"{room.Name} may use unknown room {used}.")));
        Assert.Equal(Rooms.Length, names.Count);
        Assert.Equal(Rooms.SelectMany(r => r.Folders).Count(), Rooms.SelectMany(r => r.Folders).Distinct().Count());
    }

    [Theory]
    [InlineData("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal sealed class Bad { private Watchdog? _w; }", 3)]
    [InlineData("namespace Mpms.Hosting.Protocol;\ninternal sealed class Bad\n{\n    private Mpms.Hosting.Supervision.Watchdog? _w;\n}", 4)]
    [InlineData("namespace Mpms.Hosting.Protocol;\ninternal static class Bad\n{\n    public static object Make() => new Supervision.Watchdog();\n}", 4)]
    [InlineData("namespace Mpms.Hosting.Protocol;\n\ninternal sealed class Bad(global::Mpms.Hosting.Supervision.Watchdog w);", 3)]
    [InlineData("using W = Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal sealed class Bad { private W.Watchdog? _w; }", 3)]
    [InlineData("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal sealed class Bad { private string S => $\"{nameof(Watchdog)}: {1:0.0}\"; }", 3)]
    [InlineData("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal sealed class Bad { private object? Clock => Watchdog.Clock; }", 3)]
    public void Scan_FileUsingARoomItMayNot_IsReportedWithFileLineAndRooms(string violating, int line)
    {
        IReadOnlyList<RoomViolation> violations = ScanWithWatchdog(violating);

        RoomViolation violation = Assert.Single(violations);
        Assert.Equal(new RoomViolation("Protocol/Bad.cs", line, "Mpms.Hosting.Supervision.Watchdog", "Protocol", "Supervision"), violation);
    }

    [Fact]
    public void Scan_NestedTypeNamedThroughItsOuterType_IsReportedWithTheOuterType()
    {
        IReadOnlyList<RoomViolation> violations = ScanWithWatchdog("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal sealed class Bad { private Watchdog.Reason _r; }");

        Assert.Equal(["Mpms.Hosting.Supervision.Watchdog", "Mpms.Hosting.Supervision.Watchdog.Reason"], violations.Select(v => v.Type));
        Assert.All(violations, v => Assert.Equal(("Protocol/Bad.cs", 3, "Protocol", "Supervision"), (v.File, v.Line, v.FromRoom, v.ToRoom)));
    }

    [Theory]
    [InlineData("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\n// Watchdog\n/* Watchdog */\n/// <see cref=\"Watchdog\"/>\ninternal sealed class Fine { }")]
    [InlineData("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal static class Fine\n{\n    public const string A = \"Watchdog\";\n    public const string B = @\"a \"\"Watchdog\"\" b\";\n    public const string C = \"\"\"\n        Watchdog \"quoted\"\n        \"\"\";\n    public static string D(int n) => $\"Watchdog {n} {{Watchdog}}\";\n    public const char E = '\"';\n}")]
    [InlineData("namespace Mpms.Hosting.Protocol;\n#region Watchdog\ninternal sealed class Fine { private object? _o = Other.Watchdog; private int Watchdog => 1; }\n#endregion")]
    [InlineData("using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal static class Fine { public static int Count(dynamic f) => f.Watchdog + f.Watchdog.Clock; }")]
    [InlineData("namespace Mpms.Hosting.Protocol;\ninternal sealed class Fine { private readonly Reason _r; }")]
    public void Scan_NameOnlyInCommentsStringsOrWhereItCannotBind_IsNotReported(string clean)
    {
        Assert.Empty(ScanWithWatchdog(clean));
    }

    [Fact]
    public void Scan_AllowedDirectionAndOwnRoom_AreNotReported()
    {
        SourceFile[] files =
        [
            new("Protocol/Frame.cs", "namespace Mpms.Hosting.Protocol;\ninternal sealed class Frame;"),
            new("Supervision/Watchdog.cs", "using Mpms.Hosting.Protocol;\nnamespace Mpms.Hosting.Supervision;\ninternal sealed class Watchdog { private Frame? _f; private Helper? _h; }"),
            new("Supervision/Helper.cs", "namespace Mpms.Hosting.Supervision;\ninternal sealed class Helper { private MpmsThing? _t; }"),
            new("MpmsThing.cs", "namespace Mpms.Hosting;\npublic sealed class MpmsThing;"),
        ];

        Assert.Empty(new RoomDependencyScanner(Rooms).Scan(files));
    }

    [Fact]
    public void Scan_NameDeclaredInTwoRooms_BindsToTheOwnNamespaceFirstThenToTheImportedOne()
    {
        SourceFile[] files =
        [
            new("Supervision/State.cs", "namespace Mpms.Hosting.Supervision;\ninternal enum State { A }"),
            new("Protocol/State.cs", "namespace Mpms.Hosting.Protocol;\ninternal enum State { B }"),
            new("Protocol/Uses.cs", "using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Protocol;\ninternal sealed class Uses { private State _s; }"),
            new("Diagnostics/Uses.cs", "using Mpms.Hosting.Supervision;\nnamespace Mpms.Hosting.Diagnostics;\ninternal sealed class Uses { private State _s; }"),
        ];

        RoomViolation violation = Assert.Single(new RoomDependencyScanner(Rooms).Scan(files));

        Assert.Equal(("Diagnostics/Uses.cs", "Mpms.Hosting.Supervision.State", "Supervision"), (violation.File, violation.Type, violation.ToRoom));
    }

    [Fact]
    public void Scan_FileInAFolderOfNoRoom_IsReported()
    {
        RoomViolation violation = Assert.Single(new RoomDependencyScanner(Rooms).Scan([new SourceFile("Elsewhere/X.cs", "namespace Mpms.Hosting.Elsewhere;\ninternal sealed class X;")]));

        Assert.Equal("Elsewhere/X.cs", violation.File);
    }

    private static IReadOnlyList<RoomViolation> ScanWithWatchdog(string protocolFile) =>
        new RoomDependencyScanner(Rooms).Scan(
        [
            new SourceFile("Supervision/Watchdog.cs", "namespace Mpms.Hosting.Supervision;\n\ninternal sealed class Watchdog\n{\n    internal enum Reason { Hung }\n\n    public static object? Clock => null;\n}"),
            new SourceFile("Protocol/Bad.cs", protocolFile),
        ]);

    private static string MayUseText(string room)
    {
        Room rule = Rooms.Single(r => r.Name == room);
        return $"{room} may use {string.Join(", ", rule.MayUse)}";
    }

    /// <summary>The library's C# sources, without what the build generates under obj/ and bin/.</summary>
    private static SourceFile[] LibrarySources()
    {
        string root = LibrarySourceRoot();
        SourceFile[] files =
        [
            .. Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
                .Where(path => !path.Split('/').SkipLast(1).Any(folder => folder is "obj" or "bin"))
                .Order(StringComparer.Ordinal)
                .Select(path => new SourceFile(path, File.ReadAllText(Path.Combine(root, path)))),
        ];
        Assert.True(files.Length > 20, $"Only {files.Length} source files found under {root}.");
        return files;
    }

    /// <summary>src/Mpms.Hosting/ of the checkout the tests were built from: beside the solution file above the test assembly.</summary>
    private static string LibrarySourceRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mpms.Hosting.sln")))
            {
                return Path.Combine(directory.FullName, "src", "Mpms.Hosting");
            }
        }

        throw new InvalidOperationException($"No Mpms.Hosting.sln above {AppContext.BaseDirectory}.");
    }
}
