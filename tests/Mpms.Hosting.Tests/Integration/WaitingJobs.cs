using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Jobs that each hold a worker thread until the test releases them: "wait-file" jobs on one release file. Starting
/// them waits until every one of them is running (its "job-waiting" event is in the event log), so a test knows
/// exactly which job runs in which process and on which thread. Disposing releases them, so a failing test does not
/// leave its pool waiting for the shutdown deadline.
/// </summary>
internal sealed class WaitingJobs : IDisposable
{
    private WaitingJobs(string releaseFile, IReadOnlyList<MpmsJobHandle<TestResult>> handles, IReadOnlyList<WorkerEvent> running)
    {
        ReleaseFile = releaseFile;
        Handles = handles;
        Running = running;
    }

    public string ReleaseFile { get; }

    /// <summary>Gets the handles, in the order the jobs were put.</summary>
    public IReadOnlyList<MpmsJobHandle<TestResult>> Handles { get; }

    /// <summary>Gets each job's "job-waiting" event, in the order of <see cref="Handles"/>.</summary>
    public IReadOnlyList<WorkerEvent> Running { get; }

    /// <summary>Puts <paramref name="count"/> waiting jobs and waits until all of them run.</summary>
    /// <remarks>With the default Prefetch of 0 a process takes a job only for a free thread, so <paramref name="count"/>
    /// must not exceed the pool's threads, or this waits for jobs that cannot start.</remarks>
    public static async Task<WaitingJobs> StartAsync(TestPool pool, int count)
    {
        string releaseFile = Path.Combine(pool.Directory, $"release-{Guid.NewGuid():N}");
        var handles = new List<MpmsJobHandle<TestResult>>();
        for (int i = 0; i < count; i++)
        {
            handles.Add(await pool.Queue.PutAsync(new TestJob("wait-file", i, Path: releaseFile)));
        }

        HashSet<string> ids = [.. handles.Select(h => h.JobId)];
        IReadOnlyList<WorkerEvent> events = await pool.WaitForEventsAsync(
            e => e.Count(x => x.Name == "job-waiting" && ids.Contains(x.Detail)) == count,
            $"{count} waiting jobs running");
        Dictionary<string, WorkerEvent> byTask = events.Where(x => x.Name == "job-waiting" && ids.Contains(x.Detail)).ToDictionary(x => x.Detail);
        return new WaitingJobs(releaseFile, handles, handles.Select(h => byTask[h.JobId]).ToArray());
    }

    /// <summary>Lets every waiting job finish.</summary>
    public void Release()
    {
        if (!File.Exists(ReleaseFile))
        {
            File.WriteAllText(ReleaseFile, "go");
        }
    }

    /// <summary>Releases the jobs and returns their results, in the order of <see cref="Handles"/>.</summary>
    public async Task<TestResult[]> ReleaseAndWaitAsync()
    {
        Release();
        return await Task.WhenAll(Handles.Select(h => h.Completion)).WaitAsync(TestPool.WaitCeiling);
    }

    public void Dispose()
    {
        try
        {
            Release();
        }
        catch (IOException)
        {
            // The pool's directory is gone already.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
