namespace Mpms.Hosting;

/// <summary>
/// Runs once on every worker thread when it starts, on that very thread, before the thread takes any job: the
/// place for per-thread resources (an HTTP session, thread-local state, a per-thread logger).
/// </summary>
/// <remarks>
/// <para>Initializers are resolved from the thread's own DI scope (register them as scoped to get one instance
/// per thread), every registered one runs in registration order, and the worker thread's single-threaded
/// synchronization context keeps every continuation on the same thread.</para>
/// <para>If an initializer throws, the error is logged and that thread exits without taking any job; its sibling
/// threads go on. A process whose threads all fail exits and is replaced.</para>
/// </remarks>
public interface IThreadInitializer
{
    /// <summary>Initialises the worker thread.</summary>
    /// <param name="context">The pool, process and thread being initialised.</param>
    /// <param name="cancellationToken">Signalled when the process must stop before the thread is ready.</param>
    ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken);
}
