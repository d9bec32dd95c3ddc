using System.Buffers;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>
/// What a worker process does with the frames the application sends it after the handshake: a job is held (or handed
/// back), a cancel reaches its job, a reclaim takes back jobs held ahead, a drain makes the process leave. It runs on the link's reader.
/// </summary>
internal sealed class WorkerFrameHandler(HeldJobs jobs, LeaveCoordinator leave) : IFrameHandler
{
    // The number of job frames read so far: the application numbers the frames it writes the same way (StartMarks).
    // Only the link's reader touches it.
    private long _ordinal;

    public void OnFrame(FrameType type, in ReadOnlySequence<byte> body)
    {
        switch (type)
        {
            case FrameType.Job:
                OnJob(JobFrame.Read(body));
                break;
            case FrameType.Cancel:
                jobs.Cancel(SmallFrames.ReadInt64(body));
                break;
            case FrameType.Reclaim:
                jobs.Reclaim(SmallFrames.ReadInt32(body));
                break;
            case FrameType.Drain:
                // The application sends nothing after a drain: jobs that arrive before it are handed back, none after.
                byte reason = SmallFrames.ReadByte(body);
                leave.OnDrainReceived(Enum.IsDefined((MpmsProcessExitReason)reason) ? (MpmsProcessExitReason)reason : MpmsProcessExitReason.Shutdown);
                break;
            default:
                throw new MpmsProtocolException($"The application may not send {type} frames.");
        }
    }

    private void OnJob(in JobFrame frame)
    {
        // The frame's body is only valid during the call: the job keeps a copy in a rented array until it ends.
        int length = (int)frame.Payload.Length;
        byte[] payload = ArrayPool<byte>.Shared.Rent(length);
        frame.Payload.CopyTo(payload);
        var job = new WorkerJob(frame.Sequence, frame.IdHigh, frame.Attempt, frame.TraceParent, payload, length) { Ordinal = ++_ordinal };
        if (!jobs.TryReceive(job))
        {
            job.ReleasePayload();
            throw new MpmsProtocolException("The application sent a job without credit.");
        }
    }
}
