using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class ProcessExitTests
{
    [Theory]
    [InlineData(9, "Signaled, signal 9 (SIGKILL)")]
    [InlineData(11, "Signaled, signal 11 (SIGSEGV)")]
    [InlineData(15, "Signaled, signal 15 (SIGTERM)")]
    [InlineData(6, "Signaled, signal 6 (SIGABRT)")]
    [InlineData(42, "Signaled, signal 42 (signal 42)")]
    public void Describe_Signal_NamesTheSignal(int signal, string expected) =>
        Assert.Equal(expected, new ProcessExit(MpmsProcessExitReason.Signaled, null, signal, false).Describe());

    [Fact]
    public void Describe_SignalAndExitCode_PrefersTheSignal() =>
        Assert.Equal("Killed, signal 9 (SIGKILL)", new ProcessExit(MpmsProcessExitReason.Killed, 137, 9, false).Describe());

    [Theory]
    [InlineData(0, "Exited, exit code 0")]
    [InlineData(3, "Exited, exit code 3")]
    [InlineData(-1, "Exited, exit code -1")]
    public void Describe_ExitCode_GivesIt(int code, string expected) =>
        Assert.Equal(expected, new ProcessExit(MpmsProcessExitReason.Exited, code, null, false).Describe());

    [Fact]
    public void Describe_NeitherCodeNorSignal_GivesTheReason() =>
        Assert.Equal("HeartbeatTimeout", new ProcessExit(MpmsProcessExitReason.HeartbeatTimeout, null, null, false).Describe());
}
