namespace Mpms.Hosting;

/// <summary>
/// Settings of one pool, bound from configuration (by default the <c>Mpms</c> section) and validated when the
/// host starts; every invalid key is listed in one error.
/// </summary>
public sealed class MpmsOptions
{
    /// <summary>The configuration section that <c>AddMpms&lt;TWorker&gt;()</c> binds by default.</summary>
    public const string DefaultSectionName = "Mpms";

    /// <summary>Gets or sets the number of worker processes the pool keeps alive.</summary>
    /// <value>The default is <see cref="Environment.ProcessorCount"/>. Must be at least 1.</value>
    public int Processes { get; set; } = Environment.ProcessorCount;

    /// <summary>Gets or sets how many ready processes the pool keeps beyond <see cref="Processes"/>, to take the place of
    /// one that ends.</summary>
    /// <value>The default is 0: a process that ends is replaced by one started then. Must be between 0 and
    /// <see cref="Processes"/>.</value>
    /// <remarks>A warm spare is started, connected and past its process and thread initializers, but is sent no job.
    /// When a serving process crashes, is killed, is recycled (<see cref="ProcessLifetime"/>) or has run its
    /// <see cref="MaxJobsPerThread"/>, the oldest ready spare takes its place at once, and a new spare is started
    /// behind it. Spares cost their memory and their initializers' resources (a connection pool each) while idle.</remarks>
    public int WarmSpares { get; set; }

    /// <summary>Gets or sets the number of worker threads in each worker process.</summary>
    /// <value>The default is 2. Must be at least 1.</value>
    public int ThreadsPerProcess { get; set; } = 2;

    /// <summary>Gets or sets how many accepted jobs may wait in the queue before <c>PutAsync</c> waits and <c>TryPut</c> refuses.</summary>
    /// <value>The default, <see langword="null"/>, means <c>Processes * ThreadsPerProcess * 3 + 30</c>. Must be at least 1.</value>
    /// <remarks>A job waits until a thread starts it, in the application's queue or held ahead by a process
    /// (<see cref="Prefetch"/>): its place is free once the application sees it started (a put that finds the queue full
    /// looks at once; otherwise the process's next frames tell, its heartbeat at the latest). With a collector or <see cref="EnableResultStream"/>, a job keeps its place until its outcome is consumed, so
    /// outcomes waiting for a slow consumer count too: a slow consumer slows puts down instead of letting outcomes pile
    /// up. Puts made by a collector itself never wait: the room they would wait for only their own collector can free.</remarks>
    public int? QueueCapacity { get; set; }

    /// <summary>Gets or sets how many jobs a worker process may hold beyond one per idle thread.</summary>
    /// <value>The default, <see langword="null"/>, means <c>max(32, 2 * ThreadsPerProcess)</c>. 0 means a process only
    /// receives a job when one of its threads is free. Must not be negative.</value>
    /// <remarks>Jobs held ahead hide the round trip between one job's end and the next one's start: much higher throughput
    /// with very short jobs, better efficiency with I/O-bound ones. A process that holds jobs records when a thread starts
    /// one, before it runs, in memory the application maps too (no message, no system call), so if the process dies the
    /// jobs it never started go back to the queue and only the ones it ran are lost. A held job never waits behind a busy process while another process has an idle thread: the pool
    /// takes it back from the busy process (only if no thread took it) and sends it to the idle one.</remarks>
    public int? Prefetch { get; set; }

    /// <summary>Gets or sets the number of jobs after which a worker thread exits (running its finalizers); the original MPMS's <c>lifecycle</c>.</summary>
    /// <value>The default, <see langword="null"/>, means no limit. Must be at least 1.</value>
    /// <remarks>When every thread of a process has exited, the process exits and is replaced.</remarks>
    public int? MaxJobsPerThread { get; set; }

    /// <summary>Gets or sets how long a worker thread runs before it exits, checked before it takes a job; the original MPMS's <c>lifecycle_duration</c>.</summary>
    /// <value>The default, <see langword="null"/>, means no limit.</value>
    public TimeSpan? ThreadLifetime { get; set; }

    /// <summary>Gets or sets how long a worker process runs before it is drained and replaced.</summary>
    /// <value>The default, <see langword="null"/>, means no limit.</value>
    /// <remarks>The replacement starts before the old process leaves, so capacity does not dip. The old process finishes
    /// its running jobs and is killed if it outlives <see cref="DrainTimeout"/>.</remarks>
    public TimeSpan? ProcessLifetime { get; set; }

    /// <summary>Gets or sets how long a job may run, measured from the moment a worker thread starts it.</summary>
    /// <value>The default, <see langword="null"/>, means no limit.</value>
    /// <remarks>At the timeout the job's cancellation token is signalled. A job that returns within
    /// <see cref="JobTimeoutGrace"/> after that ends as <see cref="MpmsJobStatus.TimedOut"/> (or with its result if it
    /// finished anyway); one that does not is reported as timed out and its process is recycled, because a thread cannot
    /// be aborted safely. A late result is dropped, never reported twice.</remarks>
    public TimeSpan? JobTimeout { get; set; }

    /// <summary>Gets or sets how long a timed-out job has to honour its cancellation token before its process is recycled.</summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan JobTimeoutGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the full names of exception types that, thrown by a worker, make its process die gracefully,
    /// like <see cref="MpmsGracefulDieException"/>; the original MPMS's <c>worker_graceful_die_exceptions</c>.</summary>
    /// <value>The default is empty; <see cref="MpmsGracefulDieException"/> always counts.</value>
    public IList<string> GracefulDieExceptions { get; } = new List<string>();

    /// <summary>Gets or sets how long a gracefully dying process may finish its running jobs before it exits anyway.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan GracefulDieTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how often a worker process tells the application it is alive, and how often the pool checks its processes.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a worker process may stay silent before it is considered hung, killed and replaced.</summary>
    /// <value>The default is 30 seconds. Must be more than <see cref="HeartbeatInterval"/>.</value>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the working set, in bytes, above which a worker process is drained and replaced; checked after each job
    /// (Celery's <c>worker_max_memory_per_child</c>).</summary>
    /// <value>The default, <see langword="null"/>, means no limit.</value>
    public long? MaxMemoryPerProcess { get; set; }

    /// <summary>Gets or sets a directory where a dump of a worker process is written before it is killed as hung or overdue,
    /// for analysis with <c>dotnet-dump</c>.</summary>
    /// <value>The default, <see langword="null"/>, writes no dump.</value>
    public string? HangDumpDirectory { get; set; }

    /// <summary>Gets or sets how long a new worker process has to connect and run its process initializers.</summary>
    /// <value>The default is 60 seconds.</value>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long a draining process (at <see cref="ProcessLifetime"/>) may finish its jobs before it is killed.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the first delay before a failed worker process is started again; it doubles with every consecutive failure.</summary>
    /// <value>The default is 0.5 seconds.</value>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the longest delay between attempts to start a failing worker process.</summary>
    /// <value>The default is 30 seconds. Must not be less than <see cref="RestartDelay"/>.</value>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many failed starts within <see cref="RestartWindow"/> make the pool fail.</summary>
    /// <value>The default is 5. Must be at least 1.</value>
    /// <remarks>A failed start is a process that ended before any of its threads was ready (an initializer threw, the
    /// program would not start or connect). Processes recycled by lifecycle limits, and processes that crashed after
    /// taking jobs, do not count: a job that crashes processes is handled by <see cref="OnWorkerLost"/>.
    /// A failed pool refuses puts with <see cref="MpmsPoolFailedException"/>, ends its waiting jobs with it, keeps
    /// probing at <see cref="MaxRestartDelay"/>, and recovers by itself when a probe starts.</remarks>
    public int MaxRestarts { get; set; } = 5;

    /// <summary>Gets or sets the window in which <see cref="MaxRestarts"/> failed starts make the pool fail.</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan RestartWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long the health check stays Degraded after the queue was last full (a put had to wait for a
    /// place, or <c>TryPut</c> refused).</summary>
    /// <value>The default is 30 seconds. Must be positive.</value>
    /// <remarks>The queue counts as full while it is full at the time of the check, and for this long after the last put
    /// that found it full, so a health probe that polls less often than puts are refused still sees it. A producer that
    /// relies on backpressure (a batch that puts as fast as it can) keeps the pool Degraded while it does.</remarks>
    public TimeSpan HealthQueueFullWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the job at the head of the queue may wait before the health check reports Degraded.</summary>
    /// <value>The default is 30 seconds. Must be positive.</value>
    public TimeSpan HealthQueueWaitLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets what happens to the jobs a worker process was running when it dies.</summary>
    /// <value>The default is <see cref="MpmsWorkerLostPolicy.Fail"/>.</value>
    public MpmsWorkerLostPolicy OnWorkerLost { get; set; } = MpmsWorkerLostPolicy.Fail;

    /// <summary>Gets or sets how many times a job is tried in all when <see cref="OnWorkerLost"/> is <see cref="MpmsWorkerLostPolicy.Retry"/>.</summary>
    /// <value>The default is 3. Must be at least 1.</value>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Gets the pool's retry policy for jobs whose worker threw (bound from <c>Mpms:Retry</c>); one job may have
    /// its own (<see cref="MpmsPutOptions.Retry"/>).</summary>
    /// <value>The default tries a job once: no retries.</value>
    /// <remarks>This is not <see cref="OnWorkerLost"/>, which is about a process that died under a job. Both count in the
    /// same <see cref="MpmsResult{TJob, TResult}.Attempt"/>, and each stops at its own <c>MaxAttempts</c>.</remarks>
    public MpmsRetryOptions Retry { get; } = new();

    /// <summary>Gets or sets how long a waiting job waits to gain one priority over the jobs put after it
    /// (<see cref="MpmsPutOptions.Priority"/>), so that low priorities never starve.</summary>
    /// <value>The default is 10 seconds. Must be between 1 millisecond and 1 day.</value>
    /// <remarks>A job of priority <c>p</c> is ordered as if it had been ready <c>p * PriorityAgingInterval</c> earlier:
    /// a job put with priority 9 overtakes a job of priority 0 that has waited less than 9 intervals, never one that has
    /// waited longer.</remarks>
    public TimeSpan PriorityAgingInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many jobs put with a delay (<see cref="MpmsPutOptions.Delay"/> or
    /// <see cref="MpmsPutOptions.NotBefore"/>) may be accepted and not yet started.</summary>
    /// <value>The default is 10000. Must be at least 1.</value>
    /// <remarks>A delayed job takes a place here, not in <see cref="QueueCapacity"/>, so that jobs scheduled for tomorrow
    /// do not stop today's puts; it keeps the place until it starts, as a queued job does. When it is full, a delayed put
    /// waits (<c>PutAsync</c>) or is refused (<c>TryPut</c>). Delayed jobs live in the application's memory: they are lost
    /// if the application ends.</remarks>
    public int ScheduledCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets where the pool runs its jobs: in worker processes, or inside the application for tests and debugging.</summary>
    /// <value>The default is <see cref="MpmsExecutionMode.Processes"/>.</value>
    /// <remarks>With <see cref="MpmsExecutionMode.InProcess"/> each of the <see cref="Processes"/> is a set of worker threads
    /// inside the application, with its own process initializers and finalizers, sharing the application's singletons;
    /// <see cref="WorkerCommand"/>, <see cref="MaxMemoryPerProcess"/>, <see cref="HangDumpDirectory"/> and
    /// <see cref="ForwardWorkerLogs"/> do not apply. The pool logs a warning every time it starts in this mode.</remarks>
    public MpmsExecutionMode ExecutionMode { get; set; }

    /// <summary>Gets or sets the program that worker processes run.</summary>
    /// <value>The default, <see langword="null"/>, starts the application itself again in the worker role, with its own
    /// arguments, so all of its DI registrations and configuration are there.</value>
    public string? WorkerCommand { get; set; }

    /// <summary>Gets the arguments passed to <see cref="WorkerCommand"/>; ignored when it is not set.</summary>
    public IList<string> WorkerArguments { get; } = new List<string>();

    /// <summary>Gets environment variables added to every worker process's environment.</summary>
    /// <value>Empty by default. Workers also get <c>DOTNET_hostBuilder__reloadConfigOnChange=false</c> (no configuration
    /// file watchers in workers), unless the application's own environment or this dictionary sets it.</value>
    /// <remarks>A variable given an empty value here is removed from the workers' environment: that is how to drop a
    /// default, or a variable the application was started with.</remarks>
    public IDictionary<string, string> WorkerEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the directory under which the pool creates its private socket directory (mode 0700).</summary>
    /// <value>The default, <see langword="null"/>, means the system's temporary directory.</value>
    public string? SocketDirectory { get; set; }

    /// <summary>Gets or sets the largest serialised job, result or progress value, in bytes; a larger one fails with <see cref="MpmsSerializationException"/>.</summary>
    /// <value>The default is 16 MiB.</value>
    public int MaxMessageSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Gets or sets the least time between two progress values a job sends to the application
    /// (<see cref="MpmsJobContext.ReportProgress{TProgress}(TProgress)"/>).</summary>
    /// <value>The default is 100 milliseconds. Must be positive and at most 24 days.</value>
    /// <remarks>Values a job reports faster are coalesced: the latest one is sent when the interval ends, and the last one
    /// before the job's outcome, so a chatty job costs the link at most one frame per interval.</remarks>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets user values copied to every result (the original MPMS's <c>meta</c>).</summary>
    public IDictionary<string, string> Meta { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether outcomes are buffered for <c>ReadResultsAsync</c>.</summary>
    /// <value>The default is <see langword="false"/>: outcomes reach the handles (and a collector, if registered) only,
    /// so an application that never reads the stream does not accumulate them.</value>
    public bool EnableResultStream { get; set; }

    /// <summary>Gets or sets a value indicating whether what workers log through <c>ILogger</c> is sent to the application's
    /// logging pipeline (category, level, event id, message template and properties kept; tagged with pool, process and
    /// thread) instead of being written by the worker process itself.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    /// <remarks>The worker's own logging configuration still decides which levels are enabled, and the application's
    /// filters apply again when the event is written there. Forwarding needs <c>AddMpms</c> to be called after the
    /// logging setup (for example after <c>AddSerilog</c>), because it wraps the logger factory registered so far.</remarks>
    public bool ForwardWorkerLogs { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether worker processes' standard output and error are captured into the application's log.</summary>
    /// <value>The default is <see langword="true"/>: lines on standard output are logged as information, lines on standard
    /// error as warnings, under the category <c>Mpms.Hosting.Worker</c>. When <see langword="false"/>, workers write to the
    /// application's own console.</value>
    public bool CaptureWorkerOutput { get; set; } = true;

    internal int EffectiveQueueCapacity => QueueCapacity ?? (Processes * ThreadsPerProcess * 3) + 30;

    /// <summary>Gets the prefetch in force: the one set, or enough to hide a round trip for every thread.</summary>
    internal int EffectivePrefetch => Prefetch ?? Math.Max(32, 2 * ThreadsPerProcess);
}
