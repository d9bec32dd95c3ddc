namespace Mpms.Hosting.Tests.Unit.DependencyInjection
{
    public sealed record ThumbJob(string Path) : IMpmsJob<int>;

    public sealed record MailJob(string To) : IMpmsJob<bool>;

    /// <summary>A job no pool in these tests takes.</summary>
    public sealed record OrphanJob(int Id) : IMpmsJob<int>;

    public sealed class ThumbWorker : IMpmsWorker<ThumbJob, int>
    {
        public ValueTask<int> ExecuteAsync(ThumbJob job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(job.Path.Length);
    }

    public sealed class MailWorker : IMpmsWorker<MailJob, bool>
    {
        public ValueTask<bool> ExecuteAsync(MailJob job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }

    /// <summary>A second pool for the same job and result types as <see cref="MailWorker"/>.</summary>
    public sealed class BulkMailWorker : IMpmsWorker<MailJob, bool>
    {
        public ValueTask<bool> ExecuteAsync(MailJob job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(false);
    }

    public abstract class AbstractWorker : IMpmsWorker<ThumbJob, int>
    {
        public abstract ValueTask<int> ExecuteAsync(ThumbJob job, MpmsJobContext context, CancellationToken cancellationToken);
    }
}

namespace Mpms.Hosting.Tests.Unit.DependencyInjection.First
{
    public sealed class SameNameWorker : IMpmsWorker<ThumbJob, int>
    {
        public ValueTask<int> ExecuteAsync(ThumbJob job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(1);
    }
}

namespace Mpms.Hosting.Tests.Unit.DependencyInjection.Second
{
    public sealed class SameNameWorker : IMpmsWorker<ThumbJob, int>
    {
        public ValueTask<int> ExecuteAsync(ThumbJob job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(2);
    }
}
