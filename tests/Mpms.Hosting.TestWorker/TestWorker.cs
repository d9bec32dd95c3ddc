using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mpms.Hosting;

namespace Mpms.Hosting.TestWorker;

/// <summary>
/// The worker of the integration tests. Operations: <c>double</c> (Value * 2), <c>whoami</c> (where it runs, across
/// an await), <c>mark</c> (whoami, and a "job-ran" event), <c>throw</c> (InvalidOperationException), <c>throw-until</c> (a "job-attempt" event, then InvalidOperationException
/// while the attempt is below Value), <c>sleep</c> (DelayMs, honours the token), <c>block</c> (DelayMs,
/// ignores the token), <c>wait</c> (until canceled), <c>wait-file</c> (until the file at Path exists),
/// <c>crash</c> (kills its own process), <c>spawn-then-crash</c> (starts a process that keeps the worker's output open,
/// writes its id to Path, then kills its own process), <c>gracefuldie</c>, <c>unserializable</c> (a result that cannot be serialised),
/// <c>exit</c> (Environment.Exit(Value)), <c>log</c> (an ILogger line with a structured property), <c>stderr</c> (a line on
/// standard error), <c>trace</c> (reports the current activity's trace), <c>allocate</c> (allocates Value MiB, touches
/// every page and keeps it referenced until the process ends), <c>progress</c> (reports <see cref="TestProgress"/> 1 to
/// Value in a burst, then waits until the file at Path exists if Path is set), <c>progress-steps</c> (reports step i of
/// Value, then waits until the file Path.i exists, for each i).
/// </summary>
public sealed class TestWorker : IMpmsWorker<TestJob, TestResult>
{
    private readonly ThreadResource _threadResource;
    private readonly EventLog _events;
    private readonly ILogger<TestWorker> _logger;

    public TestWorker(ThreadResource threadResource, EventLog events, ILogger<TestWorker> logger, IOptions<TestBehaviour> behaviour)
    {
        // Told to, it cannot be constructed on one thread: what the pool reports then is under test.
        if (behaviour.Value.FailWorkerConstructionOnThread is > 0 and int refused && threadResource.ThreadNumber == refused)
        {
            throw new InvalidOperationException($"the test worker refuses thread {refused}");
        }

        _threadResource = threadResource;
        _events = events;
        _logger = logger;
    }

    public async ValueTask<TestResult> ExecuteAsync(TestJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        int before = Environment.CurrentManagedThreadId;
        int value = job.Value;
        object? extra = null;
        switch (job.Op)
        {
            case "double":
                value = job.Value * 2;
                break;
            case "whoami":
            case "mark":
                if (job.Op == "mark")
                {
                    _events.Write("job-ran", context.JobId);
                }

                await Task.Delay(5, cancellationToken);
                break;
            case "throw":
                throw new InvalidOperationException($"boom {job.Value}");
            case "throw-until":
                // Fails every attempt before attempt Value, and says which attempt ran; then returns like "mark".
                _events.Write("job-attempt", $"{context.JobId} {context.Attempt}");
                if (context.Attempt < job.Value)
                {
                    throw new InvalidOperationException($"attempt {context.Attempt} fails");
                }

                break;
            case "sleep":
                await Task.Delay(job.DelayMs, cancellationToken);
                break;
            case "block":
                Thread.Sleep(job.DelayMs);
                break;
            case "wait":
                _events.Write("job-waiting", context.JobId);
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
            case "wait-file":
                _events.Write("job-waiting", context.JobId);
                await WaitForFileAsync(job.Path!, cancellationToken);
                break;
            case "block-file":
                // Like "block" (ignores its token), but returns when the test creates the file at Path, and says so in the log.
                _events.Write("job-waiting", context.JobId);
                while (!File.Exists(job.Path))
                {
                    Thread.Sleep(10);
                }

                _logger.LogInformation("Job {JobId} unblocked", context.JobId);
                break;
            case "crash":
                _events.Write("job-crashing", context.JobId);
                Process.GetCurrentProcess().Kill();
                break;
            case "spawn-then-crash":
                // Starts a process that inherits this worker's standard output and error and outlives it, as a tool a
                // job runs may; writes its id to Path, then kills its own process.
                using (Process orphan = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!)
                {
                    await File.WriteAllTextAsync(job.Path!, orphan.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
                }

                Process.GetCurrentProcess().Kill();
                break;
            case "gracefuldie":
                throw new MpmsGracefulDieException($"die {job.Value}");
            case "unserializable":
                extra = new IntPtr(42);
                break;
            case "exit":
                Environment.Exit(job.Value);
                break;
            case "log":
                _logger.LogWarning("Worker logged {JobValue} for {JobId}", job.Value, context.JobId);
                break;
            case "stderr":
                Console.Error.WriteLine($"stderr line {job.Value}");
                break;
            case "trace":
                extra = $"{Activity.Current?.TraceId}/{Activity.Current?.ParentSpanId}";
                break;
            case "progress":
                for (int step = 1; step <= job.Value; step++)
                {
                    context.ReportProgress(new TestProgress(step, job.Value));
                }

                if (job.Path is not null)
                {
                    await WaitForFileAsync(job.Path, cancellationToken);
                }

                break;
            case "progress-steps":
                for (int step = 1; step <= job.Value; step++)
                {
                    context.ReportProgress(new TestProgress(step, job.Value));
                    await WaitForFileAsync($"{job.Path}.{step}", cancellationToken);
                }

                break;
            case "allocate":
                value = Allocate(job.Value);
                break;
            default:
                throw new ArgumentException($"Unknown op '{job.Op}'.", nameof(job));
        }

        return new TestResult
        {
            Value = value,
            ProcessId = Environment.ProcessId,
            ThreadName = Thread.CurrentThread.Name,
            ManagedThreadId = before,
            ManagedThreadIdAfterAwait = Environment.CurrentManagedThreadId,
            ThreadInitializerThreadId = _threadResource.InitializedOnThread,
            ThreadResourceId = _threadResource.Id,
            ProcessInitializerProcessId = ProcessResource.InitializedInProcess,
            JobId = context.JobId,
            Attempt = context.Attempt,
            Extra = extra,
        };
    }

    private static async Task WaitForFileAsync(string path, CancellationToken cancellationToken)
    {
        while (!File.Exists(path))
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>What "allocate" keeps: memory that stays in the process's working set until it exits.</summary>
    private static readonly List<byte[]> s_held = [];

    /// <summary>Allocates <paramref name="mebibytes"/> MiB, writes to every page so it is resident, and keeps it.</summary>
    /// <returns>The MiB this process holds in all.</returns>
    private static int Allocate(int mebibytes)
    {
        lock (s_held)
        {
            for (int i = 0; i < mebibytes; i++)
            {
                byte[] block = new byte[1024 * 1024];
                for (int page = 0; page < block.Length; page += 4096)
                {
                    block[page] = 1;
                }

                s_held.Add(block);
            }

            return s_held.Count;
        }
    }
}
