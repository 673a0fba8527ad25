using System.Text;
using System.Text.Json.Nodes;

namespace Vault.Storage.Tests;

public sealed class KeyFilesTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public void Wrap_DefaultParameters_UnwrapsToMasterKey()
    {
        var master = RepositoryKeys.NewMasterKey();
        var file = KeyFiles.Wrap(master, Password);
        var json = JsonNode.Parse(file)!;
        Assert.Equal("argon2id", (string?)json["kdf"]);
        Assert.Equal(65536, (int?)json["memoryKiB"]);
        Assert.Equal(3, (int?)json["iterations"]);
        Assert.Equal(2, (int?)json["parallelism"]);
        Assert.Equal(master, KeyFiles.Unwrap(file, Password));
    }

    [Fact]
    public void Unwrap_WrongPassword_ThrowsWrongPassword()
    {
        var file = Cheap(RepositoryKeys.NewMasterKey());
        var e = Assert.Throws<WrongPasswordException>(() => KeyFiles.Unwrap(file, "Correct horse battery staple"));
        Assert.StartsWith("wrong password", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_SameKeyTwice_DifferentFiles()
    {
        var master = RepositoryKeys.NewMasterKey();
        Assert.NotEqual(Cheap(master), Cheap(master));
    }

    public static TheoryData<string> Tamperings => new() { "ciphertext", "nonce", "salt", "iterations" };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void Unwrap_TamperedValue_ThrowsWrongPassword(string field)
    {
        var json = JsonNode.Parse(Cheap(RepositoryKeys.NewMasterKey()))!.AsObject();
        if (field == "iterations")
        {
            json[field] = 2;
        }
        else
        {
            var bytes = Convert.FromBase64String((string)json[field]!);
            bytes[^1] ^= 1;
            json[field] = Convert.ToBase64String(bytes);
        }

        Assert.Throws<WrongPasswordException>(() => KeyFiles.Unwrap(Encoding.UTF8.GetBytes(json.ToJsonString()), Password));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "not json", "not valid JSON" },
        { "null", "null" },
        { "[]", "not valid JSON" },
        { """{"version":1,"kdf":"scrypt","memoryKiB":1024,"iterations":1,"parallelism":1}""", "scrypt" },
        { """{"version":2,"kdf":"argon2id"}""", "version 2" },
        { """{"version":1,"kdf":"argon2id","memoryKiB":1024,"iterations":1,"parallelism":1,"nonce":"AAAAAAAAAAAAAAAA","ciphertext":"AA=="}""", "'salt' is missing" },
        { """{"version":1,"kdf":"argon2id","memoryKiB":1024,"iterations":1,"parallelism":1,"salt":"%%%","nonce":"x","ciphertext":"x"}""", "'salt' is not valid base64" },
        { """{"version":1,"kdf":"argon2id","memoryKiB":1024,"iterations":1,"parallelism":1,"salt":"AAAA","nonce":"x","ciphertext":"x"}""", "'salt' is 3 bytes" },
        { """{"version":1,"kdf":"argon2id","memoryKiB":99999999,"iterations":1,"parallelism":1}""", "memoryKiB is 99999999" },
        { """{"version":1,"kdf":"argon2id","memoryKiB":1024,"iterations":0,"parallelism":1}""", "iterations is 0" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Unwrap_MalformedFile_ThrowsCorruptDataWithReason(string file, string reason)
    {
        var e = Assert.Throws<CorruptDataException>(() => KeyFiles.Unwrap(Encoding.UTF8.GetBytes(file), Password));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unwrap_GoldenKeyFile_OpensWithFixedPassword()
    {
        if (Golden.Regenerating)
        {
            Golden.Write("keyfile-v1.json", KeyFiles.Wrap(TestData.FixedMasterKey(), Password, 8192, 2, 2));
            return;
        }

        Assert.Equal(TestData.FixedMasterKey(), KeyFiles.Unwrap(Golden.Read("keyfile-v1.json"), Password));
    }

    internal static byte[] Cheap(byte[] master) => KeyFiles.Wrap(master, Password, 1024, 1, 1);
}
