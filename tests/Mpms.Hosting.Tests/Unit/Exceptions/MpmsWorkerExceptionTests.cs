namespace Mpms.Hosting.Tests.Unit.Exceptions;

public sealed class MpmsWorkerExceptionTests
{
    private const string RemoteStack = "   at Thumbs.Worker.Resize(Image image)\n   at Thumbs.Worker.ExecuteAsync(ThumbJob job)";

    [Fact]
    public void StackTrace_NeverThrown_IsTheRemoteStack()
    {
        var ex = new MpmsWorkerException("System.IO.IOException", "disk full", RemoteStack, null);

        Assert.Equal(RemoteStack, ex.StackTrace);
    }

    [Fact]
    public void StackTrace_ThrownHere_ShowsTheRemoteFramesFirstThenTheLocalOnes()
    {
        MpmsWorkerException ex = Throw(new MpmsWorkerException("System.IO.IOException", "disk full", RemoteStack, null));

        string stack = ex.StackTrace!;
        Assert.StartsWith(RemoteStack, stack, StringComparison.Ordinal);
        int marker = stack.IndexOf("--- End of stack trace from the worker process ---", StringComparison.Ordinal);
        Assert.True(marker > RemoteStack.Length - 1);
        Assert.Contains(nameof(Throw), stack[marker..], StringComparison.Ordinal);
    }

    [Fact]
    public void StackTrace_NoRemoteStack_IsTheLocalOne()
    {
        MpmsWorkerException ex = Throw(new MpmsWorkerException("E", "m", null, null));

        Assert.Contains(nameof(Throw), ex.StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain("worker process", ex.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ContainsRemoteTypeMessageAndStack()
    {
        MpmsWorkerException ex = Throw(new MpmsWorkerException("System.IO.IOException", "disk full", RemoteStack, "System.IO.IOException: disk full"));

        string text = ex.ToString();

        Assert.StartsWith("Mpms.Hosting.MpmsWorkerException: System.IO.IOException: disk full", text, StringComparison.Ordinal);
        Assert.Contains(RemoteStack, text, StringComparison.Ordinal);
        Assert.Contains(nameof(Throw), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_FromWorker_KeepsEveryPart()
    {
        var ex = new MpmsWorkerException("System.IO.IOException", "disk full", RemoteStack, "details");

        Assert.Equal(("System.IO.IOException", "disk full", RemoteStack, "details"), (ex.RemoteType, ex.Message, ex.RemoteStackTrace, ex.RemoteDetails));
        Assert.IsAssignableFrom<MpmsException>(ex);
    }

    [Fact]
    public void Constructors_Conventional_LeaveRemotePartsEmpty()
    {
        var inner = new InvalidOperationException();

        Assert.Equal(string.Empty, new MpmsWorkerException().RemoteType);
        Assert.Equal("m", new MpmsWorkerException("m").Message);
        var wrapped = new MpmsWorkerException("m", inner);
        Assert.Same(inner, wrapped.InnerException);
        Assert.Equal(string.Empty, wrapped.RemoteType);
        Assert.Null(wrapped.RemoteStackTrace);
    }

    private static MpmsWorkerException Throw(MpmsWorkerException exception)
    {
        try
        {
            throw exception;
        }
        catch (MpmsWorkerException caught)
        {
            return caught;
        }
    }
}
