namespace Mpms.Hosting.Dispatch;

/// <summary>Where a job was running when its process was last heard from: the thread, and since when.</summary>
/// <param name="ThreadName">The worker thread's name, <c>mpms-&lt;pool&gt;-p&lt;n&gt;#t&lt;i&gt;</c>.</param>
/// <param name="StartedAt">When the thread started the job.</param>
internal readonly record struct LastSeenRunning(string ThreadName, DateTimeOffset StartedAt);
