namespace Mpms.Hosting.Queue;

/// <summary>Which of the queue's bounds a job holds a place in, until it starts (or its outcome is consumed).</summary>
internal enum PlaceKind
{
    /// <summary>None: a collector's own put, or a job that gave its place back.</summary>
    None = 0,

    /// <summary>A place among the jobs waiting to run (<see cref="MpmsOptions.QueueCapacity"/>).</summary>
    Queue = 1,

    /// <summary>A place among the jobs put with a delay (<see cref="MpmsOptions.ScheduledCapacity"/>).</summary>
    Schedule = 2,
}
