using System.Diagnostics;

namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>What the broker node relies on to leave nothing behind: its programs lead their own group, which ends with them.</summary>
public sealed class GroupLeaderProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Start_MakesTheProgramLeadItsOwnGroup_AndKillGroupEndsIt()
    {
        using GroupLeaderProcess sleeper = StartSleeper();
        await sleeper.FirstLine.WaitAsync(Patience);

        Assert.Equal(sleeper.Id, GroupLeaderProcess.ProcessGroupOf(sleeper.Id));
        Assert.NotEqual(GroupLeaderProcess.ProcessGroupOf(Environment.ProcessId), sleeper.Id);
        sleeper.KillGroup();
        Assert.True(await sleeper.WaitForExitAsync(Patience));
        await GroupEmptiedAsync(sleeper.Id);
    }

    [Fact]
    public async Task Group_IsKilled_WhenTheProcessThatStartedItLetsGoOfItsInput()
    {
        GroupLeaderProcess sleeper = StartSleeper();
        await sleeper.FirstLine.WaitAsync(Patience);
        int group = sleeper.Id;
        using Process watched = Process.GetProcessById(group);
        Assert.True(GroupLeaderProcess.GroupHasMembers(group));

        // Closing our end of its input is what the kernel does when the test process dies without stopping it.
        sleeper.Dispose();

        await watched.WaitForExitAsync().WaitAsync(Patience);
        await GroupEmptiedAsync(group);
    }

    // It says so once it runs, that is once setsid has made its group; then it becomes sleep, in the same process.
    private static GroupLeaderProcess StartSleeper() =>
        GroupLeaderProcess.Start("sh", ["-c", "echo started; exec sleep 300"], Path.GetTempPath(), new Dictionary<string, string>());

    // The whole group gets the signal at once, but each member leaves when it is next scheduled: wait for the last.
    private static async Task GroupEmptiedAsync(int group)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (GroupLeaderProcess.GroupHasMembers(group))
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
