using System.Buffers;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>Builds <see cref="ReadOnlySequence{T}"/> values of several segments, as a pipe hands them out.</summary>
internal static class Sequences
{
    /// <summary>Cuts <paramref name="data"/> at <paramref name="cuts"/> (offsets, ascending; repeats give empty segments).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, IReadOnlyList<int> cuts)
    {
        if (cuts.Count == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var first = new Segment(data[..cuts[0]], 0);
        Segment last = first;
        for (int i = 0; i < cuts.Count; i++)
        {
            int end = i + 1 < cuts.Count ? cuts[i + 1] : data.Length;
            last = last.Append(data[cuts[i]..end]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="data"/> into one-byte segments.</summary>
    public static ReadOnlySequence<byte> Bytewise(ReadOnlyMemory<byte> data) =>
        Split(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());

    /// <summary>Cuts <paramref name="data"/> at random places, now and then leaving an empty segment.</summary>
    public static ReadOnlySequence<byte> RandomSplit(ReadOnlyMemory<byte> data, Random random)
    {
        int count = random.Next(0, Math.Min(8, data.Length + 2));
        var cuts = new int[count];
        for (int i = 0; i < count; i++)
        {
            cuts[i] = random.Next(0, data.Length + 1);
        }

        Array.Sort(cuts);
        return Split(data, cuts);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
