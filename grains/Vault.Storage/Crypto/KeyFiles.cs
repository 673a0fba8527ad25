// Password-wrapped master key files.
//
// A key file is a small UTF-8 JSON object:
//   { "version": 1, "kdf": "argon2id", "memoryKiB": 65536, "iterations": 3, "parallelism": 2,
//     "salt": b64(32 random bytes), "nonce": b64(12 random bytes), "ciphertext": b64(48 bytes) }
// KEK = Argon2id(UTF-8 password, salt, m, t, p) → 32 bytes;
// ciphertext = AES-256-GCM(KEK, nonce, master key, AAD = "vault/keyfile/v1|argon2id|m=…|t=…|p=…")
// followed by the 16-byte tag. The AAD binds the KDF parameters, so they cannot be lowered
// without the tag failing. A wrong password and a modified ciphertext are indistinguishable
// (both fail the tag) and are reported as a wrong password; a structurally broken file is
// reported as corrupt.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Konscious.Security.Cryptography;

namespace Vault.Storage;

/// <summary>Password-wrapped master key files (Argon2id KEK + AES-256-GCM) and raw key files.</summary>
public static class KeyFiles
{
    public const int DefaultMemoryKiB = 65536;
    public const int DefaultIterations = 3;
    public const int DefaultParallelism = 2;

    private const string Kdf = "argon2id";
    private const int SaltSize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int MaxMemoryKiB = 4 * 1024 * 1024;
    private const int MaxIterations = 64;
    private const int MaxParallelism = 64;
    private const int MaxFileSize = 64 * 1024;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Wrap(ReadOnlySpan<byte> masterKey, string password) =>
        Wrap(masterKey, password, DefaultMemoryKiB, DefaultIterations, DefaultParallelism);

    /// <summary>Wraps with explicit Argon2id parameters (tests use cheap ones; Unwrap reads them from the file).</summary>
    internal static byte[] Wrap(ReadOnlySpan<byte> masterKey, string password, int memoryKiB, int iterations, int parallelism)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (masterKey.Length != RepositoryKeys.MasterKeySize)
        {
            throw new ArgumentException($"A master key is {RepositoryKeys.MasterKeySize} bytes, got {masterKey.Length}.", nameof(masterKey));
        }

        if (password.Length == 0)
        {
            throw new InvalidConfigurationException("The repository password is empty; a password must have at least one character.");
        }

        CheckParameters(memoryKiB, iterations, parallelism, msg => new ArgumentException(msg));
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var kek = DeriveKek(password, salt, memoryKiB, iterations, parallelism);
        try
        {
            var sealedKey = new byte[masterKey.Length + TagSize];
            using (var gcm = new AesGcm(kek, TagSize))
            {
                gcm.Encrypt(nonce, masterKey, sealedKey.AsSpan(0, masterKey.Length), sealedKey.AsSpan(masterKey.Length),
                    Aad(memoryKiB, iterations, parallelism));
            }

            var file = new KeyFileJson
            {
                Version = 1,
                Kdf = Kdf,
                MemoryKiB = memoryKiB,
                Iterations = iterations,
                Parallelism = parallelism,
                Salt = Convert.ToBase64String(salt),
                Nonce = Convert.ToBase64String(nonce),
                Ciphertext = Convert.ToBase64String(sealedKey),
            };
            return JsonSerializer.SerializeToUtf8Bytes(file, s_json);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>
    /// The same master key wrapped under <paramref name="newPassword"/> (new salt and nonce, default
    /// Argon2id parameters). Throws <see cref="WrongPasswordException"/> if the old password does not open it.
    /// </summary>
    public static byte[] Rewrap(ReadOnlySpan<byte> keyFile, string oldPassword, string newPassword)
    {
        var master = Unwrap(keyFile, oldPassword);
        try
        {
            return Wrap(master, newPassword);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
        }
    }

    /// <summary>Throws <see cref="WrongPasswordException"/> if the password does not open it.</summary>
    public static byte[] Unwrap(ReadOnlySpan<byte> keyFile, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (keyFile.Length > MaxFileSize)
        {
            throw new CorruptDataException($"The key file is {keyFile.Length} bytes; a key file is at most {MaxFileSize} bytes.");
        }

        KeyFileJson? file;
        try
        {
            file = JsonSerializer.Deserialize<KeyFileJson>(keyFile, s_json);
        }
        catch (JsonException e)
        {
            throw new CorruptDataException($"The key file is not valid JSON: {e.Message}", inner: e);
        }

        if (file is null)
        {
            throw new CorruptDataException("The key file is malformed: it holds null instead of a JSON object.");
        }

        if (file.Version != 1)
        {
            throw new CorruptDataException($"The key file has version {file.Version?.ToString() ?? "(missing)"}; this program reads version 1.");
        }

        if (file.Kdf != Kdf)
        {
            throw new CorruptDataException($"The key file uses kdf '{file.Kdf ?? "(missing)"}'; only '{Kdf}' is supported.");
        }

        var memoryKiB = file.MemoryKiB ?? throw Missing("memoryKiB");
        var iterations = file.Iterations ?? throw Missing("iterations");
        var parallelism = file.Parallelism ?? throw Missing("parallelism");
        CheckParameters(memoryKiB, iterations, parallelism, msg => new CorruptDataException("The key file is malformed: " + msg));
        var salt = Base64(file.Salt, "salt", minLength: 16, maxLength: 64);
        var nonce = Base64(file.Nonce, "nonce", NonceSize, NonceSize);
        var sealedKey = Base64(file.Ciphertext, "ciphertext", RepositoryKeys.MasterKeySize + TagSize, RepositoryKeys.MasterKeySize + TagSize);

        var kek = DeriveKek(password, salt, memoryKiB, iterations, parallelism);
        var master = new byte[RepositoryKeys.MasterKeySize];
        try
        {
            using var gcm = new AesGcm(kek, TagSize);
            gcm.Decrypt(nonce, sealedKey.AsSpan(0, master.Length), sealedKey.AsSpan(master.Length), master,
                Aad(memoryKiB, iterations, parallelism));
            return master;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new WrongPasswordException(
                "wrong password: the key file could not be opened with the given password (or the key file was modified).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private static CorruptDataException Missing(string field) => new($"The key file is malformed: '{field}' is missing.");

    private static void CheckParameters(int memoryKiB, int iterations, int parallelism, Func<string, Exception> error)
    {
        if (parallelism < 1 || parallelism > MaxParallelism)
        {
            throw error($"parallelism is {parallelism}; must be between 1 and {MaxParallelism}.");
        }

        if (memoryKiB < 8 * parallelism || memoryKiB > MaxMemoryKiB)
        {
            throw error($"memoryKiB is {memoryKiB}; must be between {8 * parallelism} (8 × parallelism) and {MaxMemoryKiB}.");
        }

        if (iterations < 1 || iterations > MaxIterations)
        {
            throw error($"iterations is {iterations}; must be between 1 and {MaxIterations}.");
        }
    }

    private static byte[] Base64(string? value, string field, int minLength, int maxLength)
    {
        if (value is null)
        {
            throw Missing(field);
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new CorruptDataException($"The key file is malformed: '{field}' is not valid base64.");
        }

        if (bytes.Length < minLength || bytes.Length > maxLength)
        {
            var rule = minLength == maxLength ? $"{minLength}" : $"{minLength} to {maxLength}";
            throw new CorruptDataException($"The key file is malformed: '{field}' is {bytes.Length} bytes; must be {rule} bytes.");
        }

        return bytes;
    }

    private static byte[] Aad(int memoryKiB, int iterations, int parallelism) =>
        Encoding.ASCII.GetBytes($"vault/keyfile/v1|{Kdf}|m={memoryKiB}|t={iterations}|p={parallelism}");

    private static byte[] DeriveKek(string password, byte[] salt, int memoryKiB, int iterations, int parallelism)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            using var argon = new Argon2id(passwordBytes)
            {
                Salt = salt,
                MemorySize = memoryKiB,
                Iterations = iterations,
                DegreeOfParallelism = parallelism,
            };
            return argon.GetBytes(32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private sealed class KeyFileJson
    {
        public int? Version { get; set; }
        public string? Kdf { get; set; }
        [JsonPropertyName("memoryKiB")]
        public int? MemoryKiB { get; set; }
        public int? Iterations { get; set; }
        public int? Parallelism { get; set; }
        public string? Salt { get; set; }
        public string? Nonce { get; set; }
        public string? Ciphertext { get; set; }
    }
}
