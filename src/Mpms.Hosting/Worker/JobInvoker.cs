using System.Buffers;
using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Worker;

/// <summary>Deserialises a <typeparamref name="TJob"/>, runs <typeparamref name="TWorker"/>, serialises the <typeparamref name="TResult"/>.</summary>
/// <remarks>
/// <typeparamref name="TWorker"/> implements <see cref="IMpmsWorker{TJob, TResult}"/>: registration learned
/// <typeparamref name="TJob"/> and <typeparamref name="TResult"/> from that very interface.
/// </remarks>
internal sealed class JobInvoker<TWorker, TJob, TResult>(IMpmsSerializer serializer) : IJobInvoker
    where TWorker : class
{
    public IMpmsSerializer Serializer => serializer;

    public IThreadJobInvoker CreateForThread(IServiceProvider threadServices)
    {
        TWorker worker;
        try
        {
            worker = threadServices.GetRequiredService<TWorker>();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ServiceConstructionException($"The worker '{typeof(TWorker).FullName}'", ex);
        }

        return new ThreadInvoker(serializer, (IMpmsWorker<TJob, TResult>)worker);
    }

    private sealed class ThreadInvoker(IMpmsSerializer serializer, IMpmsWorker<TJob, TResult> worker) : IThreadJobInvoker
    {
        public async ValueTask InvokeAsync(ReadOnlyMemory<byte> payload, MpmsJobContext context, IBufferWriter<byte> result, CancellationToken cancellationToken)
        {
            TJob job;
            try
            {
                job = serializer.Deserialize<TJob>(payload.Span);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new MpmsSerializationException($"The job of job {context.JobId} cannot be read as '{typeof(TJob).FullName}' in the worker process: {ex.Message}", ex);
            }

            TResult value = await worker.ExecuteAsync(job, context, cancellationToken);
            try
            {
                serializer.Serialize(value, result);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new MpmsSerializationException($"The result of job {context.JobId}, of type '{value?.GetType().FullName ?? typeof(TResult).FullName}', cannot be serialised: {ex.Message}", ex);
            }
        }
    }
}
