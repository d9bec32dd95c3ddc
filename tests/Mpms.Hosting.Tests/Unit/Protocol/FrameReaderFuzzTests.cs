using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mpms.Hosting.Tests.Unit.Protocol;

/// <summary>
/// Seeded fuzzing of the frame reader: random bytes, and valid frames (made by the real encoders) with random mutations,
/// fed in random pieces the way a pipe hands them out. Set MPMS_FUZZ_SEED to repeat or vary a run; the seed is printed.
/// </summary>
public sealed class FrameReaderFuzzTests(ITestOutputHelper output)
{
    // The smallest frame type this version does not know.
    private static readonly int FirstUnknownType = (int)Enum.GetValues<FrameType>().Max() + 1;

    // The frames whose body is one 4-byte count.
    private static readonly FrameType[] CountFrames = [FrameType.Credit, FrameType.Reclaim, FrameType.Reclaimed];

    private const int Cap = 4096;
    private const int DefaultSeed = 1_048_583;
    private const int PipeCases = 20_000;
    private const int SocketCases = 300;
    private const int CorpusSize = 256;

    private enum Mutation
    {
        None,
        Truncate,
        Extend,
        FlipBits,
        HugeLength,
        ZeroLength,
        UnknownType,
        HugeHeaderWithoutBody,
        RandomBytes,
    }

    [Fact]
    public async Task TryRead_RandomAndMutatedStreamsInRandomPieces_OnlyEverThrowProtocolExceptions()
    {
        int seed = Seed();
        output.WriteLine($"Fuzz seed {seed} (set MPMS_FUZZ_SEED={seed} to repeat), {PipeCases} cases through FrameReader, frame cap {Cap} bytes.");
        var master = new Random(seed);
        List<CorpusFrame> corpus = await BuildCorpusAsync(new Random(master.Next()));
        var counts = new Dictionary<Mutation, int>();

        for (int i = 0; i < PipeCases; i++)
        {
            int caseSeed = master.Next();
            var random = new Random(caseSeed);
            Case fuzzCase = NewCase(random, corpus);
            counts[fuzzCase.Mutation] = counts.GetValueOrDefault(fuzzCase.Mutation) + 1;
            string where = $"seed {seed}, case {i} (case seed {caseSeed}), {fuzzCase.Mutation}";

            Outcome pieces = FeedInPieces(fuzzCase.Data, random, where);
            Outcome whole = FeedInPieces(fuzzCase.Data, null, where);
            Check(fuzzCase, pieces, where);
            CheckSame(whole, pieces, where);
        }

        output.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
    }

    [Fact]
    public async Task RunAsync_RandomAndMutatedStreamsOverASocket_EndLikeTheFrameReaderSays()
    {
        int seed = Seed() + 1;
        output.WriteLine($"Fuzz seed {seed} (MPMS_FUZZ_SEED + 1), {SocketCases} cases through LinkReader over a socket pair, frame cap {Cap} bytes.");
        var master = new Random(seed);
        List<CorpusFrame> corpus = await BuildCorpusAsync(new Random(master.Next()));

        for (int i = 0; i < SocketCases; i++)
        {
            int caseSeed = master.Next();
            var random = new Random(caseSeed);
            Case fuzzCase = NewCase(random, corpus);
            string where = $"seed {seed}, case {i} (case seed {caseSeed}), {fuzzCase.Mutation}";
            Outcome expected = FeedInPieces(fuzzCase.Data, null, where);
            List<int> chunks = Chunks(fuzzCase.Data.Length, random);

            using SocketPair pair = await SocketPair.CreateAsync();
            var handler = new DecodingHandler(where);
            Exception? error = null;
            await using (var reader = new SocketInbox(pair.Right))
            {
                Task writing = WriteInChunksAsync(pair.Left, fuzzCase.Data, chunks);
                try
                {
                    await reader.RunAsync(handler, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard);
                }
                catch (MpmsProtocolException ex)
                {
                    error = ex;
                }
                catch (TimeoutException)
                {
                    throw new XunitException($"{where}: LinkReader did not finish: it hangs.");
                }
                catch (Exception ex)
                {
                    throw new XunitException($"{where}: LinkReader threw {ex.GetType().Name}, not MpmsProtocolException: {ex}");
                }

                await writing.WaitAsync(Wire.HangGuard);
            }

            SameFrames(expected.Frames, handler.Frames, where);
            bool shouldFail = expected.Error is not null || expected.Leftover > 0;
            if (shouldFail != (error is not null))
            {
                throw new XunitException($"{where}: LinkReader {(error is null ? "ended cleanly" : "threw " + error.Message)}, but the frame reader says the stream is {(shouldFail ? "invalid or cut short" : "valid")}.");
            }
        }
    }

    private static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("MPMS_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : DefaultSeed;

    /// <summary>Valid frames of every type, made by the real encoders and sent through a real outbox.</summary>
    private static async Task<List<CorpusFrame>> BuildCorpusAsync(Random random)
    {
        var verifiers = new List<(FrameType Type, Action<ReadOnlySequence<byte>> Verify)>();
        byte[] bytes = await Wire.EncodeAsync(outbox =>
        {
            for (int i = 0; i < CorpusSize; i++)
            {
                verifiers.Add(PostRandomFrame(outbox, random));
            }
        });

        var corpus = new List<CorpusFrame>();
        var reader = new FrameReader(Cap);
        var buffer = new ReadOnlySequence<byte>(bytes);
        int offset = 0;
        while (reader.TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body))
        {
            int end = bytes.Length - (int)buffer.Length;
            (FrameType expectedType, Action<ReadOnlySequence<byte>> verify) = verifiers[corpus.Count];
            Assert.Equal(expectedType, type);
            verify(body);
            corpus.Add(new CorpusFrame(type, bytes[offset..end], verify));
            offset = end;
        }

        Assert.Equal(0, buffer.Length);
        Assert.Equal(CorpusSize, corpus.Count);
        return corpus;
    }

    private static (FrameType, Action<ReadOnlySequence<byte>>) PostRandomFrame(FrameOutbox outbox, Random random)
    {
        switch (random.Next(15))
        {
            case 14:
            {
                long sequence = random.NextInt64(long.MinValue, long.MaxValue);
                byte[] value = RandomBytes(random, SmallLength(random, Cap - 8));
                outbox.Post(new ProgressFrame(sequence, value));
                return (FrameType.Progress, body =>
                {
                    ProgressFrame frame = ProgressFrame.Read(body);
                    Assert.Equal(sequence, frame.Sequence);
                    Assert.True(value.AsSpan().SequenceEqual(frame.Value.ToArray()), "The progress value differs.");
                });
            }

            case 0:
            {
                long sequence = random.NextInt64(long.MinValue, long.MaxValue), idHigh = random.NextInt64(long.MinValue, long.MaxValue);
                int attempt = random.Next(int.MinValue, int.MaxValue);
                byte[] payload = RandomBytes(random, SmallLength(random, Cap - 21));
                outbox.Post(new JobFrame(sequence, idHigh, attempt, null, payload));
                return (FrameType.Job, body =>
                {
                    JobFrame frame = JobFrame.Read(body);
                    Assert.Equal((sequence, idHigh, attempt), (frame.Sequence, frame.IdHigh, frame.Attempt));
                    Assert.True(payload.AsSpan().SequenceEqual(frame.Payload.ToArray()), "The payload differs.");
                });
            }

            case 1:
            {
                long sequence = random.NextInt64(), started = random.NextInt64(DateTime.MaxValue.Ticks + 1), finished = random.NextInt64(DateTime.MaxValue.Ticks + 1);
                int thread = random.Next();
                byte[] payload = RandomBytes(random, SmallLength(random, Cap - 29));
                outbox.Post(ResultFrame.Success(sequence, thread, started, finished, payload));
                return (FrameType.Result, body =>
                {
                    ResultFrame frame = ResultFrame.Read(body);
                    Assert.Equal((sequence, WireStatus.Succeeded, thread, started, finished), (frame.Sequence, frame.Status, frame.ThreadNumber, frame.StartedTicks, frame.FinishedTicks));
                    Assert.True(payload.AsSpan().SequenceEqual(frame.Payload.ToArray()), "The payload differs.");
                    Assert.Null(frame.Error);
                });
            }

            case 2:
            {
                long sequence = random.NextInt64();
                var status = (WireStatus)random.Next(1, 4);
                var error = new WireError(RandomText(random) ?? "T", RandomText(random) ?? string.Empty, RandomText(random), RandomText(random));
                outbox.Post(ResultFrame.Failure(sequence, status, 1, 2, 3, error));
                return (FrameType.Result, body =>
                {
                    ResultFrame frame = ResultFrame.Read(body);
                    Assert.Equal((sequence, status), (frame.Sequence, frame.Status));
                    Assert.Equal(error, frame.Error);
                });
            }

            case 3:
            {
                int credit = random.Next(int.MinValue, int.MaxValue);
                FrameType type = CountFrames[random.Next(CountFrames.Length)];
                outbox.Post(new SmallFrame(type, 4, credit));
                return (type, body => Assert.Equal(credit, SmallFrames.ReadInt32(body)));
            }

            case 4:
            case 5:
            {
                FrameType type = random.Next(2) == 0 ? FrameType.Cancel : FrameType.Returned;
                long sequence = random.NextInt64(long.MinValue, long.MaxValue);
                outbox.Post(new SmallFrame(type, 8, sequence));
                return (type, body => Assert.Equal(sequence, SmallFrames.ReadInt64(body)));
            }

            case 6:
            case 7:
            {
                FrameType type = random.Next(2) == 0 ? FrameType.Drain : FrameType.Leaving;
                byte reason = (byte)random.Next(256);
                outbox.Post(new SmallFrame(type, 1, reason));
                return (type, body => Assert.Equal(reason, SmallFrames.ReadByte(body)));
            }

            case 8:
            {
                outbox.Post(new SmallFrame(FrameType.Ready, 0, 0));
                return (FrameType.Ready, body => Assert.True(body.IsEmpty));
            }

            case 9:
            {
                RunningJob[] running = Enumerable.Range(0, random.Next(4))
                    .Select(_ => new RunningJob(random.NextInt64(), random.Next(), random.NextInt64()))
                    .ToArray();
                outbox.Post(new HeartbeatFrame(running));
                return (FrameType.Heartbeat, body => Assert.Equal(running, HeartbeatFrame.Read(body)));
            }

            case 12:
            case 13:
            {
                var log = new LogFrame(
                    RandomText(random) ?? "category",
                    (Microsoft.Extensions.Logging.LogLevel)random.Next(0, 7),
                    random.Next(),
                    RandomText(random),
                    RandomText(random) ?? "",
                    random.Next(2) == 0 ? null : new WireError("T", RandomText(random) ?? "", RandomText(random), null),
                    [new("Number", (long)random.Next()), new("Text", RandomText(random)), new("Flag", random.Next(2) == 0)]);
                outbox.Post(log);
                return (FrameType.Log, body =>
                {
                    LogFrame read = LogFrame.Read(body);
                    Assert.Equal((log.Category, log.Level, log.EventId, log.EventName, log.Message), (read.Category, read.Level, read.EventId, read.EventName, read.Message));
                    Assert.Equal(log.Exception, read.Exception);
                    Assert.Equal(log.Properties, read.Properties);
                });
            }

            case 10:
            {
                var hello = new HelloMessage(RandomText(random) ?? "secret", random.Next(), random.Next());
                outbox.Post(ControlMessages.Hello(hello));
                return (FrameType.Hello, body => Assert.Equal(hello, ControlMessages.ReadJson<HelloMessage>(body)));
            }

            default:
            {
                var settings = new WorkerSettings
                {
                    PoolName = RandomText(random) ?? "pool",
                    ProcessNumber = random.Next(),
                    ThreadsPerProcess = random.Next(1, 100),
                    JobTimeout = random.Next(2) == 0 ? null : TimeSpan.FromTicks(random.NextInt64(0, TimeSpan.MaxValue.Ticks)),
                    MaxMessageSize = random.Next(),
                };
                outbox.Post(ControlMessages.Welcome(settings));
                return (FrameType.Welcome, body =>
                {
                    WorkerSettings read = ControlMessages.ReadJson<WorkerSettings>(body);
                    Assert.Equal((settings.PoolName, settings.ProcessNumber, settings.ThreadsPerProcess, settings.JobTimeout, settings.MaxMessageSize), (read.PoolName, read.ProcessNumber, read.ThreadsPerProcess, read.JobTimeout, read.MaxMessageSize));
                });
            }
        }
    }

    private static Case NewCase(Random random, List<CorpusFrame> corpus)
    {
        if (random.Next(4) == 0)
        {
            byte[] noise = RandomBytes(random, random.Next(8) == 0 ? random.Next(0, 2 * Cap + 16) : random.Next(0, 600));
            if (noise.Length >= FrameReader.HeaderSize && random.Next(2) == 0)
            {
                // A plausible header in front of the noise gets the reader past the first checks.
                BinaryPrimitives.WriteUInt32LittleEndian(noise, (uint)random.Next(1, Cap + 2));
                noise[4] = (byte)random.Next(1, FirstUnknownType);
            }

            return new Case(Mutation.RandomBytes, noise, [], 0);
        }

        CorpusFrame[] frames = Enumerable.Range(0, random.Next(1, 7)).Select(_ => corpus[random.Next(corpus.Count)]).ToArray();
        byte[] data = frames.SelectMany(f => f.Bytes).ToArray();
        int[] starts = new int[frames.Length];
        for (int f = 1; f < frames.Length; f++)
        {
            starts[f] = starts[f - 1] + frames[f - 1].Bytes.Length;
        }

        int k = random.Next(frames.Length);
        int roll = random.Next(100);
        switch (roll)
        {
            case < 20:
                return new Case(Mutation.None, data, frames, frames.Length);
            case < 35:
            {
                int cut = random.Next(data.Length);
                return new Case(Mutation.Truncate, data[..cut], frames, starts.Zip(frames, (s, f) => s + f.Bytes.Length).Count(end => end <= cut));
            }

            case < 50:
                return new Case(Mutation.Extend, [.. data, .. RandomBytes(random, random.Next(1, 64))], frames, frames.Length);
            case < 70:
            {
                int flips = random.Next(1, 9);
                for (int b = 0; b < flips; b++)
                {
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                }

                return new Case(Mutation.FlipBits, data, frames, 0);
            }

            case < 80:
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(starts[k]), (uint)random.NextInt64(Cap + 2, (long)uint.MaxValue + 1));
                return new Case(Mutation.HugeLength, data, frames, k);
            case < 85:
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(starts[k]), 0);
                return new Case(Mutation.ZeroLength, data, frames, k);
            case < 93:
                data[starts[k] + 4] = (byte)(random.Next(2) == 0 ? 0 : random.Next(FirstUnknownType, 256));
                return new Case(Mutation.UnknownType, data, frames, k);
            default:
                return new Case(Mutation.HugeHeaderWithoutBody, [.. data[..starts[k]], .. Wire.Header((uint)random.NextInt64(Cap + 2, (long)uint.MaxValue + 1), (byte)frames[k].Type)], frames, k);
        }
    }

    /// <summary>
    /// Feeds <paramref name="data"/> to a frame reader the way <see cref="LinkReader"/> does: bytes arrive in pieces
    /// (each time as a sequence of random segments), complete frames are taken, the rest waits for more. With no
    /// <paramref name="random"/>, everything arrives at once in one segment.
    /// </summary>
    private static Outcome FeedInPieces(byte[] data, Random? random, string where)
    {
        var reader = new FrameReader(Cap);
        var frames = new List<(FrameType Type, byte[] Body)>();
        int consumed = 0;
        int arrived = 0;
        do
        {
            arrived = random is null ? data.Length : Math.Min(data.Length, arrived + PieceSize(random));
            ReadOnlyMemory<byte> available = data.AsMemory(consumed, arrived - consumed);
            ReadOnlySequence<byte> buffer = random is null ? new ReadOnlySequence<byte>(available) : Sequences.RandomSplit(available, random);
            long before = buffer.Length;
            try
            {
                long left = buffer.Length;
                while (reader.TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body))
                {
                    if (buffer.Length > left - FrameReader.HeaderSize)
                    {
                        throw new XunitException($"{where}: a frame was read without consuming its header.");
                    }

                    left = buffer.Length;
                    frames.Add((type, body.ToArray()));
                    DecodeBody(type, body, where);
                }
            }
            catch (MpmsProtocolException ex)
            {
                return new Outcome(frames, ex, 0);
            }
            catch (Exception ex)
            {
                throw new XunitException($"{where}: the frame reader threw {ex.GetType().Name}, not MpmsProtocolException: {ex}");
            }

            consumed += (int)(before - buffer.Length);
            CheckWaitingIsJustified(buffer, where);
        }
        while (arrived < data.Length);

        return new Outcome(frames, null, arrived - consumed);
    }

    /// <summary>When the reader asks for more bytes, what it holds must be the start of one frame within the cap.</summary>
    private static void CheckWaitingIsJustified(ReadOnlySequence<byte> buffer, string where)
    {
        if (buffer.Length >= FrameReader.HeaderSize + Cap)
        {
            throw new XunitException($"{where}: the reader holds {buffer.Length} bytes and still waits, more than one frame under the cap.");
        }

        if (buffer.Length < FrameReader.HeaderSize)
        {
            return;
        }

        Span<byte> header = stackalloc byte[FrameReader.HeaderSize];
        buffer.Slice(0, FrameReader.HeaderSize).CopyTo(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length is 0 or > Cap + 1 || !Enum.IsDefined((FrameType)header[4]))
        {
            throw new XunitException($"{where}: the reader waits for the body of a frame whose header (length {length}, type {header[4]}) it should have refused.");
        }

        if (buffer.Length >= 4L + length)
        {
            throw new XunitException($"{where}: the reader waits although the whole frame ({4L + length} bytes) is there.");
        }
    }

    /// <summary>Decodes a body as the link's handlers do; only a protocol exception is an acceptable failure.</summary>
    private static void DecodeBody(FrameType type, ReadOnlySequence<byte> body, string where)
    {
        try
        {
            switch (type)
            {
                case FrameType.Hello:
                    ControlMessages.ReadJson<HelloMessage>(body);
                    break;
                case FrameType.Welcome:
                    ControlMessages.ReadJson<WorkerSettings>(body);
                    break;
                case FrameType.Credit:
                case FrameType.Reclaim:
                case FrameType.Reclaimed:
                    SmallFrames.ReadInt32(body);
                    break;
                case FrameType.Job:
                    JobFrame.Read(body).Payload.ToArray();
                    break;
                case FrameType.Result:
                    ResultFrame.Read(body);
                    break;
                case FrameType.Cancel:
                case FrameType.Returned:
                    SmallFrames.ReadInt64(body);
                    break;
                case FrameType.Drain:
                case FrameType.Leaving:
                    SmallFrames.ReadByte(body);
                    break;
                case FrameType.Heartbeat:
                    HeartbeatFrame.Read(body);
                    break;
                case FrameType.Log:
                    LogFrame.Read(body);
                    break;
                case FrameType.Progress:
                    ProgressFrame.Read(body).Value.ToArray();
                    break;
            }
        }
        catch (MpmsProtocolException)
        {
        }
        catch (Exception ex)
        {
            throw new XunitException($"{where}: decoding a {type} body of {body.Length} bytes threw {ex.GetType().Name}, not MpmsProtocolException: {ex}");
        }
    }

    private static void Check(Case fuzzCase, Outcome outcome, string where)
    {
        switch (fuzzCase.Mutation)
        {
            case Mutation.None:
                SameFrames(fuzzCase.Frames, outcome.Frames, where);
                Assert.True(outcome.Error is null && outcome.Leftover == 0, $"{where}: valid frames did not decode cleanly: {outcome.Error?.Message}, {outcome.Leftover} bytes left.");
                break;
            case Mutation.Truncate:
                SameFrames(fuzzCase.Frames[..fuzzCase.IntactFrames], outcome.Frames, where);
                Assert.True(outcome.Error is null, $"{where}: a cut-short stream of valid frames threw {outcome.Error?.Message}.");
                Assert.Equal(fuzzCase.Data.Length - fuzzCase.Frames[..fuzzCase.IntactFrames].Sum(f => f.Bytes.Length), outcome.Leftover);
                break;
            case Mutation.Extend:
                SameFrames(fuzzCase.Frames, outcome.Frames.Take(fuzzCase.Frames.Length).ToList(), where);
                break;
            case Mutation.HugeLength:
            case Mutation.ZeroLength:
            case Mutation.UnknownType:
            case Mutation.HugeHeaderWithoutBody:
                SameFrames(fuzzCase.Frames[..fuzzCase.IntactFrames], outcome.Frames, where);
                Assert.True(outcome.Error is not null, $"{where}: the bad header of frame {fuzzCase.IntactFrames} was not refused.");
                break;
        }
    }

    private static void SameFrames(IReadOnlyList<CorpusFrame> expected, List<(FrameType Type, byte[] Body)> actual, string where)
    {
        Assert.True(expected.Count == actual.Count, $"{where}: expected {expected.Count} frames, read {actual.Count}.");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Type == actual[i].Type, $"{where}: frame {i} is {actual[i].Type}, expected {expected[i].Type}.");
            Assert.True(expected[i].Bytes.AsSpan(FrameReader.HeaderSize).SequenceEqual(actual[i].Body), $"{where}: frame {i} has a different body.");
            expected[i].Verify(new ReadOnlySequence<byte>(actual[i].Body));
        }
    }

    private static void SameFrames(List<(FrameType Type, byte[] Body)> expected, List<(FrameType Type, byte[] Body)> actual, string where)
    {
        Assert.True(expected.Count == actual.Count, $"{where}: expected {expected.Count} frames, read {actual.Count}.");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Type == actual[i].Type && expected[i].Body.AsSpan().SequenceEqual(actual[i].Body), $"{where}: frame {i} differs.");
        }
    }

    private static void CheckSame(Outcome whole, Outcome pieces, string where)
    {
        SameFrames(whole.Frames, pieces.Frames, where);
        Assert.True((whole.Error is null) == (pieces.Error is null), $"{where}: in one piece the stream {(whole.Error is null ? "is valid" : "fails")}, in random pieces it {(pieces.Error is null ? "is valid" : "fails")}.");
        Assert.True(whole.Leftover == pieces.Leftover, $"{where}: {whole.Leftover} bytes left in one piece, {pieces.Leftover} in random pieces.");
    }

    private static int PieceSize(Random random) => random.Next(5) switch
    {
        0 => 1,
        1 => random.Next(1, 8),
        2 => random.Next(1, 100),
        3 => random.Next(1, 2000),
        _ => int.MaxValue / 2,
    };

    private static List<int> Chunks(int length, Random random)
    {
        var chunks = new List<int>();
        for (int sent = 0; sent < length;)
        {
            int chunk = Math.Min(length - sent, PieceSize(random));
            chunks.Add(chunk);
            sent += chunk;
        }

        return chunks;
    }

    private static async Task WriteInChunksAsync(Socket socket, byte[] data, List<int> chunks)
    {
        try
        {
            int offset = 0;
            foreach (int chunk in chunks)
            {
                await socket.SendAsync(data.AsMemory(offset, chunk), SocketFlags.None);
                offset += chunk;
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The reader refused the stream and its side is gone: what was not sent does not matter.
        }
    }

    private static int SmallLength(Random random, int max) => random.Next(4) == 0 ? random.Next(0, max + 1) : random.Next(0, Math.Min(max, 64) + 1);

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static readonly string[] TextUnits = ["a", "Z", "0", " ", "\n", "\0", "\"", "\\", "\u00e9", "\u00df", "\u4e2d", "\u6587", "\ud83d\ude00", "\u200b"];

    private static string? RandomText(Random random)
    {
        if (random.Next(5) == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        int units = random.Next(0, 120);
        for (int i = 0; i < units; i++)
        {
            text.Append(TextUnits[random.Next(TextUnits.Length)]);
        }

        return text.ToString();
    }

    private sealed record CorpusFrame(FrameType Type, byte[] Bytes, Action<ReadOnlySequence<byte>> Verify);

    /// <summary>A stream to read; <paramref name="IntactFrames"/> is how many of <paramref name="Frames"/> must come out whole.</summary>
    private sealed record Case(Mutation Mutation, byte[] Data, CorpusFrame[] Frames, int IntactFrames);

    private sealed record Outcome(List<(FrameType Type, byte[] Body)> Frames, MpmsProtocolException? Error, int Leftover);

    private sealed class DecodingHandler(string where) : IFrameHandler
    {
        public List<(FrameType Type, byte[] Body)> Frames { get; } = [];

        public void OnFrame(FrameType type, in ReadOnlySequence<byte> body)
        {
            Frames.Add((type, body.ToArray()));
            DecodeBody(type, body, where);
        }
    }
}
