using System.IO.MemoryMappedFiles;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// A small file both ends of one link map (<c>MAP_SHARED</c>), in which the worker process records that a thread
/// started a job it held ahead, without a system call, and from which the application reads it — also after the
/// worker died, since the pages outlive the process that wrote them.
/// </summary>
/// <remarks>
/// <para>Both sides number the job frames of the link 1, 2, 3, … in the order they are written and read (the
/// <em>ordinal</em>; the application assigns it where it writes the frame, the worker counts the frames it reads), so the
/// ordinal never travels. Job <c>o</c> owns slot <c>o % SlotCount</c>; the worker stores <c>o</c> there before the job runs,
/// and "job o started" is exactly "slot o % SlotCount holds o". A slot holds a newer ordinal only after the application
/// gave it to a newer job, which it does only once the older one ended or was read as started
/// (<c>LeaseLedger</c>): a mark is never lost, and a stale one never matches.</para>
/// <para>The application disposes its view under the lock of the ledger that reads it. The worker never disposes its
/// own: a thread may still start a job while the process exits, and an unmapped page would crash it; the mapping ends
/// with the process.</para>
/// </remarks>
internal sealed unsafe class StartMarks : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _slots;
    private readonly long _mask;
    private int _disposed;

    private StartMarks(MemoryMappedFile file, int slotCount)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, (long)slotCount * sizeof(long), MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _slots = (long*)(pointer + _view.PointerOffset);
        SlotCount = slotCount;
        _mask = slotCount - 1;
    }

    /// <summary>Gets the number of slots: a power of two.</summary>
    public int SlotCount { get; }

    /// <summary>Gets a slot count for a process that holds at most <paramref name="capacity"/> jobs at once.</summary>
    /// <remarks>
    /// Four times what it can hold, so that a slot comes round again only after many later jobs ended: a job held ahead
    /// and not started then is practically never still in its slot's way.
    /// </remarks>
    public static int SlotsFor(int capacity) => (int)Math.Max(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity) * 4));

    /// <summary>Creates the file at <paramref name="path"/> (readable by the current user only) and maps it: the application's side.</summary>
    public static StartMarks Create(string path, int slotCount)
    {
        ValidateSlots(slotCount);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        try
        {
            stream.SetLength((long)slotCount * sizeof(long)); // zeros: no ordinal is 0, so no slot says started
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        return Map(stream, slotCount);
    }

    /// <summary>Maps the file the application created: the worker's side.</summary>
    public static StartMarks Open(string path, int slotCount)
    {
        ValidateSlots(slotCount);
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (stream.Length < (long)slotCount * sizeof(long))
        {
            long length = stream.Length;
            stream.Dispose();
            throw new MpmsProtocolException($"The start marks file holds {length} bytes, fewer than {slotCount} slots.");
        }

        return Map(stream, slotCount);
    }

    /// <summary>Records that the job of <paramref name="ordinal"/> starts; call before any of its code runs.</summary>
    /// <remarks>A full fence: nothing the job does can be seen before its mark.</remarks>
    public void Mark(long ordinal) => Interlocked.Exchange(ref _slots[ordinal & _mask], ordinal);

    /// <summary>Tells whether the job of <paramref name="ordinal"/> was marked started.</summary>
    public bool HasStarted(long ordinal) => Volatile.Read(ref _slots[ordinal & _mask]) == ordinal;

    /// <summary>Gets the slot of <paramref name="ordinal"/>.</summary>
    public int SlotOf(long ordinal) => (int)(ordinal & _mask);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    // The mapped file owns the stream from here on (leaveOpen: false): it needs the descriptor to map views.
    private static StartMarks Map(FileStream stream, int slotCount)
    {
        MemoryMappedFile file;
        try
        {
            file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        try
        {
            return new StartMarks(file, slotCount);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void ValidateSlots(int slotCount)
    {
        if (slotCount <= 0 || !System.Numerics.BitOperations.IsPow2(slotCount) || slotCount > 1 << 20)
        {
            throw new MpmsProtocolException($"Invalid start mark slot count {slotCount}: a power of two up to 2^20 is expected.");
        }
    }
}
