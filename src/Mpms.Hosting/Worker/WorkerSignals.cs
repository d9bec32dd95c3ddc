using System.Runtime.InteropServices;

namespace Mpms.Hosting.Worker;

/// <summary>
/// How a worker process answers POSIX signals: Ctrl+C reaches the whole process group, but the application decides
/// when its workers stop, so SIGINT is ignored; SIGTERM drains the worker (running jobs finish, finalizers run, then it
/// exits) and says so (<see cref="MpmsProcessExitReason.Terminated"/>), so that the pool does not replace a worker that
/// was signalled together with its stopping application.
/// </summary>
internal sealed class WorkerSignals : IDisposable
{
    private readonly PosixSignalRegistration? _sigint;
    private readonly PosixSignalRegistration? _sigterm;

    private WorkerSignals(LeaveCoordinator leave)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            leave.BeginLeaving(MpmsProcessExitReason.Terminated);
        });
    }

    /// <summary>Takes SIGINT and SIGTERM over from the runtime's defaults until disposed.</summary>
    public static WorkerSignals Register(LeaveCoordinator leave) => new(leave);

    public void Dispose()
    {
        _sigint?.Dispose();
        _sigterm?.Dispose();
    }
}
