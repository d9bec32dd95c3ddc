using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class WorkerCommandLineTests
{
    [Fact]
    public void For_WorkerCommandSet_UsesItWithItsArguments()
    {
        var options = new MpmsOptions { WorkerCommand = "thumb-worker" };
        options.WorkerArguments.Add("--role");
        options.WorkerArguments.Add("a b");

        WorkerCommandLine command = WorkerCommandLine.For(options);

        Assert.Equal("thumb-worker", command.FileName);
        Assert.Equal(["--role", "a b"], command.Arguments);
    }

    [Fact]
    public void For_WorkerCommandSet_CopiesTheArguments()
    {
        var options = new MpmsOptions { WorkerCommand = "thumb-worker" };
        options.WorkerArguments.Add("--one");

        WorkerCommandLine command = WorkerCommandLine.For(options);
        options.WorkerArguments.Add("--two");

        Assert.Equal(["--one"], command.Arguments);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void For_NoWorkerCommand_StartsThisProgramAgainWithItsArguments(string? workerCommand)
    {
        var options = new MpmsOptions { WorkerCommand = workerCommand };
        options.WorkerArguments.Add("--ignored-without-a-command");

        WorkerCommandLine command = WorkerCommandLine.For(options);

        Assert.Equal(Environment.ProcessPath, command.FileName);
        string[] args = Environment.GetCommandLineArgs();
        Assert.DoesNotContain("--ignored-without-a-command", command.Arguments);

        // The user's arguments always follow; through the dotnet host the entry assembly comes first.
        Assert.Equal(args.Skip(1), command.Arguments.TakeLast(args.Length - 1));
        bool viaDotnet = string.Equals(Path.GetFileNameWithoutExtension(Environment.ProcessPath), "dotnet", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(viaDotnet ? args.Length : args.Length - 1, command.Arguments.Count);
        if (viaDotnet)
        {
            Assert.Equal(args[0], command.Arguments[0]);
            Assert.EndsWith(".dll", command.Arguments[0], StringComparison.OrdinalIgnoreCase);
        }
    }
}
