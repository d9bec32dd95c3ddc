using System.Text;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class OutcomeMapperTests
{
    private static readonly OutcomeMapper<string> Mapper = new(new MpmsJsonSerializer());
    private static readonly Supervision.FakeLease Job = new(7);

    [Fact]
    public void FromResult_Success_ReadsTheValueAndWhereAndWhenItRan()
    {
        var started = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        ResultFrame frame = ResultFrame.Success(7, 2, started.UtcTicks, started.UtcTicks + 10, Encoding.UTF8.GetBytes("\"done\""));

        Outcome<string> outcome = Mapper.FromResult(frame, Job, 4242, "mpms-P-p1#t2", CancellationToken.None);

        Assert.Equal((MpmsJobStatus.Succeeded, "done", null), (outcome.Status, outcome.Value, outcome.Exception));
        Assert.Equal((started, 4242, "mpms-P-p1#t2"), (outcome.StartedAt, outcome.ProcessId, outcome.ThreadName));
        Assert.Equal(started.AddTicks(10), outcome.FinishedAt);
    }

    [Fact]
    public void FromResult_ResultThatCannotBeRead_FailsNamingTheJobAndTheType()
    {
        ResultFrame frame = ResultFrame.Success(7, 1, 0, 0, Encoding.UTF8.GetBytes("{not json"));

        Outcome<string> outcome = Mapper.FromResult(frame, Job, 1, null, CancellationToken.None);

        Assert.Equal(MpmsJobStatus.Failed, outcome.Status);
        var ex = Assert.IsType<MpmsSerializationException>(outcome.Exception);
        Assert.Contains("job job-7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("System.String", ex.Message, StringComparison.Ordinal);
        Assert.Null(outcome.StartedAt);
    }

    [Fact]
    public void FromResult_WorkerThrew_CarriesTypeMessageAndStackTrace()
    {
        var error = new WireError("System.IO.IOException", "disk full", "   at Worker.Run()", "System.IO.IOException: disk full");

        Outcome<string> outcome = Mapper.FromResult(ResultFrame.Failure(7, WireStatus.Failed, 1, 1, 2, error), Job, 1, null, CancellationToken.None);

        var ex = Assert.IsType<MpmsWorkerException>(outcome.Exception);
        Assert.Equal(("System.IO.IOException", "disk full", "   at Worker.Run()"), (ex.RemoteType, ex.Message, ex.RemoteStackTrace));
    }

    [Fact]
    public void FromResult_WorkerCouldNotSerialiseItsResult_IsASerializationException()
    {
        var error = new WireError("Mpms.Hosting.MpmsSerializationException", "too big", null, null);

        Outcome<string> outcome = Mapper.FromResult(ResultFrame.Failure(7, WireStatus.Failed, 1, 1, 2, error), Job, 1, null, CancellationToken.None);

        Assert.Equal("too big", Assert.IsType<MpmsSerializationException>(outcome.Exception).Message);
    }

    [Fact]
    public void FromResult_TimedOutAndCanceled_MapToTheirStatusAndExceptions()
    {
        using var cts = new CancellationTokenSource();
        var late = new WireError("x", "ran past JobTimeout", null, null);

        Outcome<string> timedOut = Mapper.FromResult(ResultFrame.Failure(1, WireStatus.TimedOut, 1, 1, 2, late), Job, 1, null, cts.Token);
        Outcome<string> canceled = Mapper.FromResult(ResultFrame.Failure(2, WireStatus.Canceled, 0, 0, 2, late), Job, 1, null, cts.Token);

        Assert.Equal(MpmsJobStatus.TimedOut, timedOut.Status);
        Assert.Equal("ran past JobTimeout", Assert.IsType<MpmsJobTimeoutException>(timedOut.Exception).Message);
        Assert.Equal(MpmsJobStatus.Canceled, canceled.Status);
        Assert.Equal(cts.Token, Assert.IsType<OperationCanceledException>(canceled.Exception).CancellationToken);
    }

    [Fact]
    public void Lost_SaysWhichProcessEndedAndHow()
    {
        Outcome<string> outcome = OutcomeMapper<string>.Lost(new WorkerLoss("mpms-P-p3", 99, MpmsProcessExitReason.Signaled, 137, 9));

        Assert.Equal((MpmsJobStatus.WorkerLost, 99), (outcome.Status, outcome.ProcessId));
        var ex = Assert.IsType<MpmsWorkerLostException>(outcome.Exception);
        Assert.Equal(("mpms-P-p3", 9, MpmsProcessExitReason.Signaled), (ex.ProcessName, ex.Signal, ex.Reason));
        Assert.Contains("SIGKILL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lost_SeenRunningByAHeartbeat_KeepsTheThreadAndTheStart()
    {
        var started = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);

        Outcome<string> outcome = OutcomeMapper<string>.Lost(
            new WorkerLoss("mpms-P-p3", 99, MpmsProcessExitReason.Signaled, 137, 9),
            new LastSeenRunning("mpms-P-p3#t2", started));

        Assert.Equal(("mpms-P-p3#t2", started, 99), (outcome.ThreadName, outcome.StartedAt, outcome.ProcessId));
    }

    [Fact]
    public void TimedOut_SaysHowLongItRanAndThatItsProcessWasKilled()
    {
        Outcome<string> outcome = OutcomeMapper<string>.TimedOut(TimeSpan.FromSeconds(12.5), "mpms-P-p1", 5);

        Assert.Equal((MpmsJobStatus.TimedOut, 5), (outcome.Status, outcome.ProcessId));
        Assert.Contains("12.5 s", Assert.IsType<MpmsJobTimeoutException>(outcome.Exception).Message, StringComparison.Ordinal);
    }
}
