using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Mpms.Hosting.Tests.Publishing;

/// <summary>`dotnet pack` of the library, as a release would run it: the package carries what a NuGet user needs.</summary>
[Collection(PublishingCollection.Name)]
public sealed partial class PackageTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("mpms-pack-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task Pack_ProducesAPackageWithItsRepositoryReadmeLicenseXmlDocsAndASymbolPackage()
    {
        string project = DotnetCommand.LibraryProject;

        await DotnetCommand.RunAsync(Path.GetDirectoryName(project)!, "pack", project, "-c", "Release", "--no-restore", "--disable-build-servers", "-o", _output, "-nologo");

        string package = Assert.Single(Directory.GetFiles(_output, "Mpms.Hosting.*.nupkg"));
        string symbols = Assert.Single(Directory.GetFiles(_output, "Mpms.Hosting.*.snupkg"));

        using (ZipArchive archive = ZipFile.OpenRead(package))
        {
            string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("lib/net10.0/Mpms.Hosting.dll", entries);

            string docs = Read(archive, "lib/net10.0/Mpms.Hosting.xml");
            Assert.Contains("<member name=\"T:Mpms.Hosting.IMpmsQueue\">", docs, StringComparison.Ordinal);

            XElement metadata = XDocument.Parse(Read(archive, "Mpms.Hosting.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            XElement license = Element(metadata, "license");
            Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));

            XElement repository = Element(metadata, "repository");
            string url = (string?)repository.Attribute("url") ?? "";
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Matches(RepositoryAddress(), url);
            Assert.Matches(CommitId(), (string?)repository.Attribute("commit") ?? "");
            Assert.Equal(url, Element(metadata, "projectUrl").Value);

            // The package page shows this README and resolves no relative link: every link to the docs is absolute,
            // into the repository the nuspec names.
            string readmeName = Element(metadata, "readme").Value;
            string readme = Read(archive, readmeName);
            Assert.Contains("AddMpms<ThumbnailWorker>()", readme, StringComparison.Ordinal);
            Assert.DoesNotContain("](docs/", readme, StringComparison.Ordinal);
            Assert.DoesNotContain("{RepositoryUrl}", readme, StringComparison.Ordinal);
            string[] links = MarkdownLink().Matches(readme).Select(m => m.Groups[1].Value).ToArray();
            Assert.Contains($"{url}/blob/main/docs/configuration.md", links);
            Assert.All(links, link => Assert.StartsWith("https://", link, StringComparison.Ordinal));
        }

        using ZipArchive symbolArchive = ZipFile.OpenRead(symbols);
        Assert.Contains("lib/net10.0/Mpms.Hosting.pdb", symbolArchive.Entries.Select(e => e.FullName));
    }

    private static XElement Element(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new Xunit.Sdk.XunitException($"The nuspec has no <{name}>.");

    private static string Read(ZipArchive archive, string entry)
    {
        using var reader = new StreamReader(archive.GetEntry(entry)?.Open() ?? throw new Xunit.Sdk.XunitException($"The package has no {entry}."));
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^https://[^\s/]+/[^\s]+$")]
    private static partial Regex RepositoryAddress();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitId();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
