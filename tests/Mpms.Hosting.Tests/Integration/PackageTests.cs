using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// `dotnet pack` of the library, as a release would run it: the package carries what a NuGet user needs. No build server
/// is left running (it would outlive the test and hold its output pipes open).
/// </summary>
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan PackCeiling = TimeSpan.FromMinutes(5);
    private readonly string _output = Directory.CreateTempSubdirectory("mpms-pack-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task Pack_ProducesAPackageWithReadmeLicenseXmlDocsAndASymbolPackage()
    {
        string project = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Mpms.Hosting.Project").Value!;

        (int exitCode, string output) = await RunAsync(AppUnderTest.DotnetHost(), "pack", project, "-c", "Release", "--no-restore", "--disable-build-servers", "-o", _output, "-nologo");

        Assert.True(exitCode == 0, $"dotnet pack failed ({exitCode}):{Environment.NewLine}{output}");
        string package = Assert.Single(Directory.GetFiles(_output, "Mpms.Hosting.*.nupkg"));
        string symbols = Assert.Single(Directory.GetFiles(_output, "Mpms.Hosting.*.snupkg"));

        using (ZipArchive archive = ZipFile.OpenRead(package))
        {
            string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("README.md", entries);
            Assert.Contains("lib/net10.0/Mpms.Hosting.dll", entries);

            string docs = Read(archive, "lib/net10.0/Mpms.Hosting.xml");
            Assert.Contains("<member name=\"T:Mpms.Hosting.IMpmsQueue\">", docs, StringComparison.Ordinal);

            XElement metadata = XDocument.Parse(Read(archive, "Mpms.Hosting.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            XElement license = metadata.Elements().Single(e => e.Name.LocalName == "license");
            Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
            Assert.Equal("README.md", metadata.Elements().Single(e => e.Name.LocalName == "readme").Value);
        }

        using ZipArchive symbolArchive = ZipFile.OpenRead(symbols);
        Assert.Contains("lib/net10.0/Mpms.Hosting.pdb", symbolArchive.Entries.Select(e => e.FullName));
    }

    private static string Read(ZipArchive archive, string entry)
    {
        using var reader = new StreamReader(archive.GetEntry(entry)?.Open() ?? throw new Xunit.Sdk.XunitException($"The package has no {entry}."));
        return reader.ReadToEnd();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(startInfo)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var ceiling = new CancellationTokenSource(PackCeiling);
        try
        {
            await process.WaitForExitAsync(ceiling.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet pack took longer than {PackCeiling}.");
        }

        return (process.ExitCode, await output + await errors);
    }
}
