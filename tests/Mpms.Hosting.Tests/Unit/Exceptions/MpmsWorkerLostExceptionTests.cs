namespace Mpms.Hosting.Tests.Unit.Exceptions;

public sealed class MpmsWorkerLostExceptionTests
{
    [Fact]
    public void Message_KilledBySignal_NamesTheSignal()
    {
        var ex = new MpmsWorkerLostException("mpms-Thumbs-p2", 4321, MpmsProcessExitReason.Signaled, null, 9);

        Assert.Equal("Worker process mpms-Thumbs-p2 (pid 4321) ended while running the job: Signaled, signal 9 (SIGKILL).", ex.Message);
        Assert.Equal(("mpms-Thumbs-p2", 4321, MpmsProcessExitReason.Signaled, null, 9), (ex.ProcessName, ex.ProcessId, ex.Reason, ex.ExitCode, ex.Signal));
    }

    [Theory]
    [InlineData(11, "signal 11 (SIGSEGV)")]
    [InlineData(6, "signal 6 (SIGABRT)")]
    [InlineData(64, "signal 64 (signal 64)")]
    public void Message_OtherSignals_AreNamed(int signal, string expected)
    {
        var ex = new MpmsWorkerLostException("p", 1, MpmsProcessExitReason.Signaled, 139, signal);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("exit code", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_ExitedWithACode_GivesTheCode()
    {
        var ex = new MpmsWorkerLostException("mpms-Thumbs-p1", 77, MpmsProcessExitReason.Exited, 3, null);

        Assert.Equal("Worker process mpms-Thumbs-p1 (pid 77) ended while running the job: Exited, exit code 3.", ex.Message);
    }

    [Fact]
    public void Message_NeitherCodeNorSignal_SaysTheExitIsUnknown()
    {
        var ex = new MpmsWorkerLostException("mpms-Thumbs-p1", 77, MpmsProcessExitReason.LinkLost, null, null);

        Assert.EndsWith("LinkLost, an unknown exit.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructors_Conventional_LeaveTheProcessUnknown()
    {
        var ex = new MpmsWorkerLostException("gone");

        Assert.Equal("gone", ex.Message);
        Assert.Null(ex.ProcessId);
        Assert.Null(ex.Signal);
        Assert.False(string.IsNullOrEmpty(new MpmsWorkerLostException().Message));
    }
}
