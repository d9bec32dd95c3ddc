using Microsoft.Extensions.DependencyInjection;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// A collector that keeps every outcome in the order it was given them, and counts calls that overlapped: each call
/// stays inside for a few turns of the scheduler, so that two calls made at once would see each other.
/// </summary>
internal sealed class RecordingCollector : IMpmsCollector<TestJob, TestResult>
{
    private readonly List<MpmsResult<TestJob, TestResult>> _results = [];
    private int _inside;
    private int _overlaps;

    /// <summary>Gets or sets a test's choice of outcomes on which the collector throws (after recording them).</summary>
    public Func<MpmsResult<TestJob, TestResult>, bool>? ThrowOn { get; set; }

    /// <summary>Gets or sets a task that the collector waits for before it records an outcome; none by default.</summary>
    public Task? Gate { get; set; }

    /// <summary>Gets the number of calls that began while another one was still running.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>Gets what the collector was given, in order.</summary>
    public IReadOnlyList<MpmsResult<TestJob, TestResult>> Results
    {
        get
        {
            lock (_results)
            {
                return [.. _results];
            }
        }
    }

    /// <summary>Registers one collector as the pool's, and as itself so the test can find it.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<RecordingCollector>();
        services.AddSingleton<IMpmsCollector<TestJob, TestResult>>(sp => sp.GetRequiredService<RecordingCollector>());
    }

    public static RecordingCollector Of(TestPool pool) => pool.Host.Services.GetRequiredService<RecordingCollector>();

    public async ValueTask CollectAsync(MpmsResult<TestJob, TestResult> result, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inside) != 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        try
        {
            if (Gate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            for (int i = 0; i < 3; i++)
            {
                await Task.Yield();
            }

            lock (_results)
            {
                _results.Add(result);
            }

            if (ThrowOn?.Invoke(result) == true)
            {
                throw new InvalidOperationException($"The collector refuses {result.JobId}.");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }
}
