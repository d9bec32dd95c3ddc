namespace Mpms.Hosting;

/// <summary>The life stage of one worker process, as <see cref="MpmsProcessInfo"/> reports it.</summary>
public enum MpmsProcessState
{
    /// <summary>Started; connecting or running its process initializers.</summary>
    Starting,

    /// <summary>Initialised; takes jobs.</summary>
    Ready,

    /// <summary>Leaving: takes no new jobs, finishes the ones it runs; a replacement may already run.</summary>
    Draining,
}
