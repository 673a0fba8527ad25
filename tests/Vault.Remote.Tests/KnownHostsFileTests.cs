using System.Security.Cryptography;
using System.Text;
using Vault.Remote.Trust;

namespace Vault.Remote.Tests;

public sealed class KnownHostsFileTests
{
    // A real ed25519 public key blob (ssh-keygen output) and a second one.
    private const string KeyA = "AAAAC3NzaC1lZDI1NTE5AAAAIBL8wKqXu34nx689cmNsjFSGpgn5KMOrw/DbS3jfO0ri";
    private const string KeyB = "AAAAC3NzaC1lZDI1NTE5AAAAIPXJVAsXEI8VHpbNHjQY5X8a+PHtfbp61YI/arI4MxZX";

    [Theory]
    [InlineData("[127.0.0.1]:2222", "[127.0.0.1]:2222", true)]
    [InlineData("[127.0.0.1]:2222", "127.0.0.1", false)]
    [InlineData("db1,db1.internal", "db1.internal", true)]
    [InlineData("*.internal", "db1.internal", true)]
    [InlineData("*.internal,!db2.internal", "db2.internal", false)]
    [InlineData("db?", "db1", true)]
    [InlineData("DB1", "db1", true)]
    public void Matches_Patterns_AsSshDoes(string patterns, string host, bool expected) =>
        Assert.Equal(expected, KnownHostsFile.Matches(patterns, host));

    [Fact]
    public void Matches_HashedName_MatchesOnlyThatName()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        var hashed = $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes("[db1]:2222")))}";

        Assert.True(KnownHostsFile.Matches(hashed, "[db1]:2222"));
        Assert.False(KnownHostsFile.Matches(hashed, "[db1]:2223"));
    }

    [Fact]
    public void Parse_CommentsMarkersAndBadLines_KeepsOnlyUsableEntries()
    {
        var entries = KnownHostsFile.Parse([
            "# comment", "", $"db1 ssh-ed25519 {KeyA} comment here", $"@revoked * ssh-ed25519 {KeyB}", "db2 ssh-ed25519 not-base64!", $"db3 ssh-rsa {KeyA}",
        ]);

        Assert.Equal(2, entries.Count);
        Assert.Equal(("db1", (string?)null, "ssh-ed25519"), (entries[0].Patterns, entries[0].Marker, entries[0].Key.Type));
        Assert.Equal("@revoked", entries[1].Marker);
    }

    [Fact]
    public void Judge_RevokedKey_RefusedEvenIfPinned()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, [$"db1 ssh-ed25519 {KeyA}", $"@revoked * ssh-ed25519 {KeyA}"]);
            var offer = HostKeyOffer.Judge("db1", "db1", KnownHostsFile.Load(path), HostKey.FromBlob(Convert.FromBase64String(KeyA)));

            Assert.Equal(HostKeyVerdict.Revoked, offer.Verdict);
            Assert.Contains("revoked", offer.Refusal(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Pin_ReplacesTheHostsOldKeyAndKeepsOtherLines()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# mine", $"[db1]:2222 ssh-ed25519 {KeyA}", $"db2 ssh-ed25519 {KeyA}"]);
            var fresh = HostKey.FromBlob(Convert.FromBase64String(KeyB));

            var replaced = KnownHostsFile.Pin(path, "[db1]:2222", fresh);
            var file = KnownHostsFile.Load(path);

            Assert.Equal([HostKey.FromBlob(Convert.FromBase64String(KeyA)).Fingerprint], replaced);
            Assert.Equal(["# mine", $"db2 ssh-ed25519 {KeyA}", $"[db1]:2222 ssh-ed25519 {KeyB}"], File.ReadAllLines(path));
            Assert.True(file.PinnedKeys("[db1]:2222").Single().SameKey(fresh));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", true)]
    [InlineData("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF", false)]
    [InlineData("MD5:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", false)]
    [InlineData("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", false)]
    public void TryParse_Fingerprint_AcceptsOnlySshKeygenForm(string text, bool ok) =>
        Assert.Equal(ok, HostFingerprint.TryParse(text, out _));

    [Fact]
    public void Of_EmptyBlob_IsTheSha256OfNothing() =>
        Assert.Equal("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", HostFingerprint.Of([]).Value);
}
