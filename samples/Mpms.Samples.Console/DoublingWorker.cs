using Mpms.Hosting;

namespace Mpms.Samples.Console;

/// <summary>The seed's worker: returns x * 2.</summary>
public sealed class DoublingWorker : IMpmsWorker<int, int>
{
    public ValueTask<int> ExecuteAsync(int job, MpmsJobContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(job * 2);
}
