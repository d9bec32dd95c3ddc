using Mpms.Hosting.Dispatch;

namespace Mpms.Hosting.Registration;

/// <summary>One pool's use of a broker, started and stopped with the pool, in the pool's stages.</summary>
internal interface IPoolBrokerSession : IAsyncDisposable
{
    /// <summary>Gets what the pool's processes lease jobs from.</summary>
    IJobDispatcher Dispatcher { get; }

    /// <summary>Gets the health the broker connection allows: <see cref="MpmsPoolHealth.Healthy"/> while it is up.</summary>
    MpmsPoolHealth Health { get; }

    /// <summary>Connects and declares what the pool needs; before the pool's processes start.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>The pool begins to stop: take no more jobs, and hand back those not given to a process yet.</summary>
    void StopTaking();

    /// <summary>The pool's processes have stopped: hand back what is left, and end the jobs put here that have no outcome yet.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
