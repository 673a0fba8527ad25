namespace Vault.Grains.Backup;

/// <summary>
/// The bytes of one file or stream waiting to be cut into chunks: [Start, Filled) of a buffer from
/// the node's bounded pool. Data is appended at Filled; <see cref="IngestSession.CutAsync"/> cuts
/// from Start and moves the uncut tail to the front. Twice the largest chunk holds every cut.
/// </summary>
public sealed class ChunkWindow(byte[] buffer)
{
    public byte[] Buffer { get; } = buffer;

    public int Start { get; internal set; }

    public int Filled { get; private set; }

    /// <summary>Room left at the end of the buffer.</summary>
    public Memory<byte> Free => Buffer.AsMemory(Filled);

    public int Pending => Filled - Start;

    public void Advance(int count) => Filled += count;

    /// <summary>Moves the uncut tail to the front of the buffer.</summary>
    public void Compact()
    {
        Buffer.AsSpan(Start, Filled - Start).CopyTo(Buffer);
        Filled -= Start;
        Start = 0;
    }
}
