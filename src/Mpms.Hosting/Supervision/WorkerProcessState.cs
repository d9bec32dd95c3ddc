namespace Mpms.Hosting.Supervision;

/// <summary>The life stages of a worker process, as its supervisor sees them.</summary>
internal enum WorkerProcessState
{
    /// <summary>Started; connecting or running its process initializers.</summary>
    Starting,

    /// <summary>Initialised; takes jobs.</summary>
    Ready,

    /// <summary>Leaving: takes no new jobs; a replacement may already run.</summary>
    Draining,

    /// <summary>Gone and reaped.</summary>
    Exited,
}
