namespace Mpms.Hosting;

/// <summary>
/// Runs once in every worker process when it starts, before the process takes any job: the place for
/// process-wide resources (a database connection pool, a cache client, a model loaded into memory).
/// </summary>
/// <remarks>
/// <para>Every registered initializer runs, in registration order, resolved from the worker process's root
/// provider. Register one for every pool with <c>services.AddSingleton&lt;IProcessInitializer, T&gt;()</c>, or
/// for one pool only as a keyed service whose key is the pool name.</para>
/// <para>If an initializer throws, the error is logged with the process name, that process exits without taking
/// any job and is replaced (with exponential back-off when it keeps failing); the rest of the pool goes on.</para>
/// <para>Its settings are its own options class bound from configuration (<c>IOptions&lt;T&gt;</c>), the
/// counterpart of the original MPMS's <c>process_initargs</c>.</para>
/// </remarks>
public interface IProcessInitializer
{
    /// <summary>Initialises the worker process.</summary>
    /// <param name="context">The pool and process being initialised.</param>
    /// <param name="cancellationToken">Signalled when the process must stop before it is ready.</param>
    ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken);
}
