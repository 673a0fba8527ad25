using System.Buffers.Binary;
using System.Text;

namespace Vault.Remote.Trust;

/// <summary>A public host key: its type ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"...) and its blob.</summary>
public sealed record HostKey(string Type, byte[] Blob)
{
    public HostFingerprint Fingerprint => HostFingerprint.Of(Blob);

    /// <summary>The key type written at the start of an SSH public key blob (a uint32 length, then the name).</summary>
    public static HostKey FromBlob(byte[] blob)
    {
        if (blob.Length < 4)
        {
            throw new FormatException("host key blob is shorter than its type header");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (length == 0 || length > 64 || blob.Length < 4 + length)
        {
            throw new FormatException("host key blob has a bad type header");
        }

        return new HostKey(Encoding.ASCII.GetString(blob, 4, (int)length), blob);
    }

    public bool SameKey(HostKey other) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Blob, other.Blob);

    /// <summary>As a known_hosts line: "NAME TYPE BASE64".</summary>
    public string ToKnownHostsLine(string hostName) => $"{hostName} {Type} {Convert.ToBase64String(Blob)}";

    public override string ToString() => $"{Type} {Fingerprint}";
}
