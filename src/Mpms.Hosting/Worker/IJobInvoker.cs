using System.Buffers;

namespace Mpms.Hosting.Worker;

/// <summary>The typed part of running a job, behind a non-generic face so the runtime around it needs no type arguments.</summary>
internal interface IJobInvoker
{
    /// <summary>Gets the pool's serializer, which also writes the progress jobs report.</summary>
    IMpmsSerializer Serializer { get; }

    /// <summary>Resolves the worker from a thread's scope; called on that thread, once.</summary>
    /// <exception cref="ServiceConstructionException">Dependency injection could not construct the worker.</exception>
    IThreadJobInvoker CreateForThread(IServiceProvider threadServices);
}

/// <summary>Runs jobs on one worker thread with that thread's worker instance.</summary>
internal interface IThreadJobInvoker
{
    /// <summary>Reads the job from <paramref name="payload"/>, runs it, and writes the serialised result to <paramref name="result"/>.</summary>
    ValueTask InvokeAsync(ReadOnlyMemory<byte> payload, MpmsJobContext context, IBufferWriter<byte> result, CancellationToken cancellationToken);
}
