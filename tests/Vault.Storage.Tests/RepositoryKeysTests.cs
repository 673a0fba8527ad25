using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Vault.Storage.Tests;

public sealed class RepositoryKeysTests
{
    [Fact]
    public void ComputeId_MatchesSpec_HmacUnderHkdfIdKey()
    {
        var master = TestData.FixedMasterKey();
        var idKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, [], Encoding.ASCII.GetBytes("vault/chunk-id/v1"));
        var data = TestData.Text(5000);
        using var keys = RepositoryKeys.FromMasterKey(master);
        Assert.Equal(ChunkId.FromBytes(HMACSHA256.HashData(idKey, data)), keys.ComputeId(data));
    }

    [Fact]
    public void GearTable_MatchesSpec_HkdfLittleEndian()
    {
        var master = TestData.FixedMasterKey();
        var bytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 2048, [], Encoding.ASCII.GetBytes("vault/gear/v1"));
        using var keys = RepositoryKeys.FromMasterKey(master);
        Assert.Equal(256, keys.GearTable.Length);
        for (var i = 0; i < 256; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8)), keys.GearTable[i]);
        }
    }

    [Fact]
    public void ComputeId_DifferentMasterKeys_DifferentIds()
    {
        using var a = RepositoryKeys.FromMasterKey(RepositoryKeys.NewMasterKey());
        using var b = RepositoryKeys.FromMasterKey(RepositoryKeys.NewMasterKey());
        var data = TestData.Text(100);
        Assert.NotEqual(a.ComputeId(data), b.ComputeId(data));
        Assert.Equal(a.ComputeId(data), a.ComputeId(data));
    }

    [Fact]
    public void FromMasterKey_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => RepositoryKeys.FromMasterKey(new byte[16]));
}
