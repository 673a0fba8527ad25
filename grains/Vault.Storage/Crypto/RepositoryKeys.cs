// Key material.
//
// Glossary
//   master key  32 random bytes, created once per repository. Stored either wrapped under a
//               password (repo/keys/master.json, see KeyFiles) or raw (repo/keys/master.key, 0600).
//   id key      HKDF-SHA256(master, salt = empty, info "vault/chunk-id/v1"), 32 bytes.
//               ChunkId = HMAC-SHA-256(id key, plaintext): equal data dedups, but ids reveal
//               nothing to someone without the key.
//   gear table  HKDF-SHA256(master, salt = empty, info "vault/gear/v1"), 2048 bytes read as 256
//               little-endian ulongs (the chunker's keyed gear table).
//   pack key    HKDF-SHA256(master, salt = the pack's 32-byte random salt, info "vault/pack/v1"),
//               32 bytes: the AES-256-GCM key of one pack.
//
// Invariants: derived keys are a pure function of the master key (same master key → same ids and
// boundaries on every node); nonces never repeat under a pack key because every pack has a fresh
// random salt and nonces within a pack are unique (see Packs/PackFormat.cs).
//
// Crash behaviour: in-memory only. Dispose zeroes the key bytes.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Vault.Storage;

/// <summary>Key material derived from the 32-byte master key. Never logged, never leaves the silo.</summary>
public sealed class RepositoryKeys : IDisposable
{
    public const int MasterKeySize = 32;
    internal const int PackKeySize = 32;

    private static readonly byte[] s_idInfo = Encoding.ASCII.GetBytes("vault/chunk-id/v1");
    private static readonly byte[] s_gearInfo = Encoding.ASCII.GetBytes("vault/gear/v1");
    private static readonly byte[] s_packInfo = Encoding.ASCII.GetBytes("vault/pack/v1");

    private readonly byte[] _master;
    private readonly byte[] _idKey;
    private readonly ulong[] _gear;
    private bool _disposed;

    private RepositoryKeys(byte[] master, byte[] idKey, ulong[] gear)
    {
        _master = master;
        _idKey = idKey;
        _gear = gear;
    }

    public static byte[] NewMasterKey() => RandomNumberGenerator.GetBytes(MasterKeySize);

    public static RepositoryKeys FromMasterKey(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != MasterKeySize)
        {
            throw new ArgumentException($"A master key is {MasterKeySize} bytes, got {masterKey.Length}.", nameof(masterKey));
        }

        var master = masterKey.ToArray();
        var idKey = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, idKey, ReadOnlySpan<byte>.Empty, s_idInfo);

        Span<byte> gearBytes = stackalloc byte[Chunker.GearTableLength * sizeof(ulong)];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, gearBytes, ReadOnlySpan<byte>.Empty, s_gearInfo);
        var gear = new ulong[Chunker.GearTableLength];
        for (var i = 0; i < gear.Length; i++)
        {
            gear[i] = BinaryPrimitives.ReadUInt64LittleEndian(gearBytes[(i * sizeof(ulong))..]);
        }

        CryptographicOperations.ZeroMemory(gearBytes);
        return new RepositoryKeys(master, idKey, gear);
    }

    /// <summary>HMAC-SHA-256(id key, plaintext).</summary>
    public ChunkId ComputeId(ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_idKey, plaintext, mac);
        return ChunkId.FromBytes(mac);
    }

    /// <summary>The keyed gear table of the chunker (256 entries).</summary>
    public ReadOnlySpan<ulong> GearTable => _gear;

    /// <summary>A chunker with these keys' gear table.</summary>
    public Chunker CreateChunker(ChunkerOptions options) => new(options, _gear);

    /// <summary>The AES-256-GCM key of the pack with the given salt.</summary>
    internal void DerivePackKey(ReadOnlySpan<byte> salt, Span<byte> key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _master, key[..PackKeySize], salt, s_packInfo);
    }

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_master);
        CryptographicOperations.ZeroMemory(_idKey);
        Array.Clear(_gear);
    }
}
