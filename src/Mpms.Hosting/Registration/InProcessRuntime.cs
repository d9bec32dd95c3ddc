using Mpms.Hosting.Worker;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Registration;

/// <summary>What the in-process workers of one pool share: the application's container, the pool's job invoker, and the worker runtime's logger.</summary>
/// <param name="Services">The application's root services: process initializers and finalizers resolve here, each worker thread opens its scope here.</param>
/// <param name="Invoker">Runs the pool's worker on a job.</param>
/// <param name="Logger">The logger of the worker runtime (category <c>Mpms.Hosting.WorkerRuntime</c>, as in a worker process).</param>
internal sealed record InProcessRuntime(IServiceProvider Services, IJobInvoker Invoker, ILogger Logger);
