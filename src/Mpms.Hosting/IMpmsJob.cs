namespace Mpms.Hosting;

/// <summary>
/// Marks a job type with its result type, so that the non-generic <see cref="IMpmsQueue"/> can route the job
/// to the pool whose worker takes it and infer the result type of <see cref="IMpmsQueue.RunAsync{TResult}(IMpmsJob{TResult}, CancellationToken)"/>.
/// </summary>
/// <typeparam name="TResult">The type of the result the worker returns for this job.</typeparam>
/// <example>
/// <code>
/// public sealed record ThumbnailJob(string Path, int Width) : IMpmsJob&lt;Thumbnail&gt;;
/// Thumbnail thumbnail = await queue.RunAsync(new ThumbnailJob("a.png", 128), ct);
/// </code>
/// </example>
#pragma warning disable CA1040 // A marker interface is the point: it carries the result type.
public interface IMpmsJob<TResult>
#pragma warning restore CA1040
{
}
