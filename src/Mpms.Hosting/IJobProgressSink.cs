namespace Mpms.Hosting;

/// <summary>
/// Where a job's <see cref="MpmsJobContext.ReportProgress{TProgress}(TProgress)"/> goes: the worker runtime, which
/// serialises the value at once and sends the latest one to the application, throttled.
/// </summary>
internal interface IJobProgressSink
{
    /// <summary>Reports <paramref name="value"/> as the progress of <paramref name="job"/>; nothing once the job has ended.</summary>
    /// <exception cref="MpmsSerializationException">The value cannot be serialised, or is larger than the pool allows.</exception>
    void Report<TProgress>(IJobDescription job, TProgress value);
}
