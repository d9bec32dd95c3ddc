using Mpms.Hosting.Worker;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class WorkerSynchronizationContextTests
{
    [Fact]
    public async Task Run_AcrossAwaits_KeepsEveryContinuationOnItsThread()
    {
        var seen = new List<int>();
        int threadId = 0;
        var fromElsewhere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await RunOnDedicatedThreadAsync(() => WorkerSynchronizationContext.Run(async () =>
        {
            threadId = Environment.CurrentManagedThreadId;
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => seen.Add(-Environment.CurrentManagedThreadId));
            seen.Add(Environment.CurrentManagedThreadId);

            // Completed from a pool thread: the continuation still comes back here.
            _ = Task.Run(fromElsewhere.SetResult);
            await fromElsewhere.Task;
            seen.Add(Environment.CurrentManagedThreadId);
            for (int i = 0; i < 20; i++)
            {
                await Task.Run(() => { });
                seen.Add(Environment.CurrentManagedThreadId);
            }

            Assert.IsType<WorkerSynchronizationContext>(SynchronizationContext.Current);
        }));

        Assert.Equal(24, seen.Count(id => id > 0));
        Assert.All(seen.Where(id => id > 0), id => Assert.Equal(threadId, id));
        Assert.NotEqual(threadId, -seen.Single(id => id < 0));
    }

    [Fact]
    public async Task Run_MainThrows_RethrowsOnTheCallingThreadAndRestoresTheContext()
    {
        SynchronizationContext? after = new();

        Exception? thrown = await RunOnDedicatedThreadAsync(() =>
        {
            try
            {
                WorkerSynchronizationContext.Run(async () =>
                {
                    await Task.Yield();
                    throw new InvalidOperationException("from the job");
                });
                return null;
            }
            catch (Exception ex)
            {
                after = SynchronizationContext.Current;
                return ex;
            }
        });

        Assert.Equal("from the job", Assert.IsType<InvalidOperationException>(thrown).Message);
        Assert.Null(after);
    }

    [Fact]
    public async Task Post_AfterRunEnded_RunsElsewhereWithoutDeadlock()
    {
        SynchronizationContext? context = null;
        await RunOnDedicatedThreadAsync(() => WorkerSynchronizationContext.Run(() =>
        {
            context = SynchronizationContext.Current;
            return Task.CompletedTask;
        }));
        var ran = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        context!.Post(_ => ran.SetResult(Environment.CurrentManagedThreadId), null);

        await ran.Task.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task Send_AfterRunEnded_RunsAndReturns()
    {
        SynchronizationContext? context = null;
        await RunOnDedicatedThreadAsync(() => WorkerSynchronizationContext.Run(() =>
        {
            context = SynchronizationContext.Current;
            return Task.CompletedTask;
        }));
        bool ran = false;

        await Task.Run(() => context!.Send(_ => ran = true, null)).WaitAsync(Wire.HangGuard);

        Assert.True(ran);
    }

    [Fact]
    public async Task Send_FromAnotherThreadWhileRunning_RunsOnTheWorkerThread()
    {
        int workerThread = 0;
        int sentOn = 0;
        var contextReady = new TaskCompletionSource<SynchronizationContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task running = RunOnDedicatedThreadAsync(() => WorkerSynchronizationContext.Run(async () =>
        {
            workerThread = Environment.CurrentManagedThreadId;
            contextReady.SetResult(SynchronizationContext.Current!);
            await release.Task;
        }));
        SynchronizationContext context = await contextReady.Task.WaitAsync(Wire.HangGuard);
        await Task.Run(() => context.Send(_ => sentOn = Environment.CurrentManagedThreadId, null)).WaitAsync(Wire.HangGuard);
        release.SetResult();
        await running;

        Assert.Equal(workerThread, sentOn);
    }

    [Fact]
    public async Task Send_CallbackThrows_WrapsTheException()
    {
        var contextReady = new TaskCompletionSource<SynchronizationContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task running = RunOnDedicatedThreadAsync(() => WorkerSynchronizationContext.Run(async () =>
        {
            contextReady.SetResult(SynchronizationContext.Current!);
            await release.Task;
        }));
        SynchronizationContext context = await contextReady.Task.WaitAsync(Wire.HangGuard);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => context.Send(_ => throw new FormatException("bad"), null)).WaitAsync(Wire.HangGuard));
        release.SetResult();
        await running;

        Assert.IsType<FormatException>(ex.InnerException);
    }

    [Fact]
    public async Task Run_AsyncVoidThrows_TellsTheHandlerAndTheMainWorkStillCompletesOnItsThread()
    {
        var failures = new List<Exception>();
        int threadId = 0;
        var afterFailure = new List<int>();

        await RunOnDedicatedThreadAsync(() => WorkerSynchronizationContext.Run(
            async () =>
            {
                threadId = Environment.CurrentManagedThreadId;
                FailLater();
                await Task.Run(() => { });
                afterFailure.Add(Environment.CurrentManagedThreadId);
                await Task.Yield();
                afterFailure.Add(Environment.CurrentManagedThreadId);
            },
            failures.Add));

        Assert.Equal("from an async void method", Assert.IsType<InvalidOperationException>(Assert.Single(failures)).Message);
        Assert.Equal([threadId, threadId], afterFailure);
    }

    private static async void FailLater()
    {
        await Task.Yield();
        throw new InvalidOperationException("from an async void method");
    }

    [Fact]
    public void CreateCopy_ReturnsTheSameContext()
    {
        SynchronizationContext? copy = null;
        SynchronizationContext? original = null;

        WorkerSynchronizationContext.Run(() =>
        {
            original = SynchronizationContext.Current;
            copy = original!.CreateCopy();
            return Task.CompletedTask;
        });

        Assert.Same(original, copy);
    }

    private static Task RunOnDedicatedThreadAsync(Action body) => RunOnDedicatedThreadAsync<object?>(() =>
    {
        body();
        return null;
    });

    private static async Task<T> RunOnDedicatedThreadAsync<T>(Func<T> body)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(body());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "unit-worker-thread",
        };
        thread.Start();
        return await done.Task.WaitAsync(Wire.HangGuard);
    }
}
