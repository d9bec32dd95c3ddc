namespace Mpms.Hosting;

/// <summary>
/// The worker threw while running a job. The worker's exception lived in another process, so it arrives as its
/// type name, message and stack trace; <see cref="Exception.StackTrace"/> shows the worker's frames first.
/// </summary>
public sealed class MpmsWorkerException : MpmsException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerException"/> class.</summary>
    public MpmsWorkerException()
        : this(string.Empty, string.Empty, null, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerException"/> class with a message.</summary>
    /// <param name="message">The worker exception's message.</param>
    public MpmsWorkerException(string message)
        : this(string.Empty, message, null, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerException"/> class with a message and a cause.</summary>
    /// <param name="message">The worker exception's message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsWorkerException(string message, Exception? innerException)
        : base(message, innerException)
    {
        RemoteType = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerException"/> class from a worker's exception.</summary>
    /// <param name="remoteType">The full name of the exception type thrown in the worker.</param>
    /// <param name="message">The worker exception's message.</param>
    /// <param name="remoteStackTrace">The worker exception's stack trace.</param>
    /// <param name="remoteDetails">The worker exception's full text (<see cref="Exception.ToString"/>), with inner exceptions.</param>
    public MpmsWorkerException(string remoteType, string message, string? remoteStackTrace, string? remoteDetails)
        : base(message)
    {
        RemoteType = remoteType;
        RemoteStackTrace = remoteStackTrace;
        RemoteDetails = remoteDetails;
    }

    /// <summary>Gets the number of the attempt that threw: 1, or more when the job was retried (<see cref="MpmsOptions.Retry"/>).</summary>
    public int Attempt { get; internal set; } = 1;

    /// <summary>Gets the full name of the exception type the worker threw, for example <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>Gets the stack trace of the worker's exception, in the worker process.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>Gets the worker exception's full text, inner exceptions included.</summary>
    public string? RemoteDetails { get; }

    /// <inheritdoc />
    public override string? StackTrace
    {
        get
        {
            string? local = base.StackTrace;
            if (string.IsNullOrEmpty(RemoteStackTrace))
            {
                return local;
            }

            return string.IsNullOrEmpty(local)
                ? RemoteStackTrace
                : $"{RemoteStackTrace}{Environment.NewLine}--- End of stack trace from the worker process ---{Environment.NewLine}{local}";
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{GetType().FullName}: {RemoteType}: {Message}{Environment.NewLine}{StackTrace}";
}
