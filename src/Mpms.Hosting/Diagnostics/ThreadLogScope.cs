using System.Collections;

namespace Mpms.Hosting.Diagnostics;

/// <summary>The logging scope of a worker process or thread: pool, process and thread on every line logged under it.</summary>
internal sealed class ThreadLogScope(MpmsProcessContext process, string? threadName) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Pool", process.PoolName),
        1 => new("ProcessName", process.ProcessName),
        2 => new("ProcessId", process.ProcessId),
        3 => new("ThreadName", threadName),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => threadName ?? process.ProcessName;
}
