namespace Mpms.Hosting.Queue;

/// <summary>
/// An <see cref="IEnumerable{T}"/> of jobs read through the asynchronous interface the bulk path pumps from, without a
/// state machine: every step completes at once.
/// </summary>
internal sealed class SyncJobSource<TJob>(IEnumerable<TJob> jobs) : IAsyncEnumerable<TJob>
{
    public IAsyncEnumerator<TJob> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Enumerator(jobs.GetEnumerator());

    private sealed class Enumerator(IEnumerator<TJob> inner) : IAsyncEnumerator<TJob>
    {
        public TJob Current => inner.Current;

        public ValueTask<bool> MoveNextAsync() => ValueTask.FromResult(inner.MoveNext());

        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
