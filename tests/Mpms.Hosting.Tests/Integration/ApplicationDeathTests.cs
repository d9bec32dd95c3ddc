using System.Collections.Concurrent;
using System.Diagnostics;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Worker processes do not outlive their application, however it dies. The application here is the TestWorker
/// program run with <c>--as-application</c>: it hosts a pool of itself, runs a few jobs, prints
/// <c>ready &lt;pid&gt;,&lt;pid&gt;</c> and waits to be killed.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ApplicationDeathTests
{
    private const int SigKill = 9;
    private const int SigStop = 19;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigkill_Application_ItsWorkerProcessesEndByThemselves_EvenAStoppedOne(bool stopOneWorker)
    {
        string directory = Directory.CreateTempSubdirectory("mpms-app-").FullName;
        var output = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(TestPool.WorkerProgram, ["--as-application", "--Mpms:Processes=2"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        using var application = new Process { StartInfo = start };
        application.OutputDataReceived += (_, e) => OnLine(e.Data);
        application.ErrorDataReceived += (_, e) => OnLine(e.Data);
        IReadOnlyList<int> children = [];
        application.Start();
        try
        {
            application.BeginOutputReadLine();
            application.BeginErrorReadLine();

            Task exitedEarly = application.WaitForExitAsync();
            Task first = await Task.WhenAny(ready.Task, exitedEarly).WaitAsync(TestPool.WaitCeiling);
            Assert.True(first == ready.Task, $"The application exited before it was ready:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
            string readyLine = await ready.Task;
            int[] ranJobs = readyLine["ready ".Length..].Split(',').Select(int.Parse).ToArray();

            // The application's worker processes are its children, running the same program.
            children = ProcessProbe.ChildrenOf(application.Id);
            Assert.Equal(2, children.Count);
            Assert.Subset(children.ToHashSet(), ranJobs.ToHashSet());
            Assert.All(children, pid =>
            {
                Assert.False(ProcessProbe.HasEnded(pid), $"worker {pid} ended before the application was killed");
                Assert.Equal(TestPool.WorkerProgram, ProcessProbe.Executable(pid));
            });

            // A stopped worker runs no code at all, so neither its link nor its watchdog can notice: only the kernel can.
            if (stopOneWorker)
            {
                ProcessProbe.Signal(children[0], SigStop);
            }

            ProcessProbe.Signal(application.Id, SigKill);
            await application.WaitForExitAsync().WaitAsync(TestPool.WaitCeiling);
            Assert.Equal(128 + SigKill, application.ExitCode);

            // A poll is the one way to watch processes that are no one's children any more. Nothing here kills them: they
            // must end by themselves (the kernel's parent-death signal, then the closed link). The ceiling only keeps a
            // regression from hanging the suite; how fast they go is no test's business (a loaded machine tears a
            // many-threaded process down slowly). An orphan that exits may stay a zombie when init does not reap: it has ended.
            var ceiling = Stopwatch.StartNew();
            while (!children.All(ProcessProbe.HasEnded) && ceiling.Elapsed < TestPool.WaitCeiling)
            {
                await Task.Delay(50);
            }

            int[] left = children.Where(pid => !ProcessProbe.HasEnded(pid)).ToArray();
            Assert.True(left.Length == 0, $"Worker processes still running {TestPool.WaitCeiling} after the application was killed: {string.Join(", ", left)}");
        }
        finally
        {
            if (!application.HasExited)
            {
                application.Kill();
                await application.WaitForExitAsync();
            }

            foreach (int pid in children.Where(pid => !ProcessProbe.HasEnded(pid)))
            {
                ProcessProbe.Signal(pid, SigKill);
            }

            Directory.Delete(directory, recursive: true);
        }

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            if (line.StartsWith("ready ", StringComparison.Ordinal))
            {
                ready.TrySetResult(line);
            }
        }
    }
}
