using System.Text;

namespace Vault.Storage.Tests;

public sealed class LocalRepositoryTests : IDisposable
{
    private const string Password = "s3cret password";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string KeyDir => Path.Combine(_dir.Path, "repo", "keys");

    private string ConfigPath => Path.Combine(_dir.Path, "repo", "config.json");

    [Fact]
    public void OpenOrCreate_NoPassword_CreatesKeyFileThenReopensWithSameKeys()
    {
        var data = TestData.Text(1000);
        ChunkId id;
        RepositoryConfig config;
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, null, null, out var created))
        {
            Assert.True(created);
            id = repo.Keys.ComputeId(data);
            config = repo.Config;
            Assert.Equal(ChunkerOptions.Default, config.Chunker);
            Assert.NotEqual(default, config.Created);
        }

        var keyFile = Path.Combine(KeyDir, "master.key");
        Assert.Equal(32, new FileInfo(keyFile).Length);
        Assert.True(Directory.Exists(Path.Combine(_dir.Path, "packs")));
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, null, null, out var created))
        {
            Assert.False(created);
            Assert.Equal(id, repo.Keys.ComputeId(data));
            Assert.Equal(config, repo.Config);
        }
    }

    [Fact]
    public void OpenOrCreate_NoPassword_KeyFileMode0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var repo = LocalRepository.OpenOrCreate(_dir.Path, null, null, out _);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(KeyDir, "master.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(KeyDir));
    }

    [Fact]
    public void OpenOrCreate_Password_WrapsKeyAndReopens()
    {
        var data = TestData.Text(1000);
        ChunkId id;
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, Password, null, out var created))
        {
            Assert.False(created);
            id = repo.Keys.ComputeId(data);
        }

        Assert.True(File.Exists(Path.Combine(KeyDir, "master.json")));
        Assert.False(File.Exists(Path.Combine(KeyDir, "master.key")));
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, Password, null, out _))
        {
            Assert.Equal(id, repo.Keys.ComputeId(data));
        }

        var e = Assert.Throws<WrongPasswordException>(() => LocalRepository.OpenOrCreate(_dir.Path, "not it", null, out _));
        Assert.StartsWith("wrong password: the key file", e.Message, StringComparison.Ordinal);
        Assert.Contains("master.json", e.Message, StringComparison.Ordinal);

        var mismatch = Assert.Throws<InvalidConfigurationException>(() => LocalRepository.OpenOrCreate(_dir.Path, null, null, out _));
        Assert.Contains("no password was given", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenOrCreate_PasswordButKeyFileRepository_ClearError()
    {
        LocalRepository.OpenOrCreate(_dir.Path, null, null, out _).Dispose();
        var e = Assert.Throws<InvalidConfigurationException>(() => LocalRepository.OpenOrCreate(_dir.Path, Password, null, out _));
        Assert.Contains("a password was given", e.Message, StringComparison.Ordinal);
        Assert.Contains("master.key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenOrCreate_CustomConfig_PersistedCamelCase()
    {
        var config = new RepositoryConfig
        {
            RepositoryId = "repo-1",
            Chunker = TestData.Small,
            PackSize = 4 * 1024 * 1024,
            CompressionLevel = 7,
            IndexPartitionBits = 4,
            Created = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
        };
        LocalRepository.OpenOrCreate(_dir.Path, null, config, out _).Dispose();
        var json = File.ReadAllText(ConfigPath);
        Assert.Contains("\"repositoryId\": \"repo-1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"minSize\": 4096", json, StringComparison.Ordinal);
        using var repo = LocalRepository.OpenOrCreate(_dir.Path, null, null, out _);
        Assert.Equal(config, repo.Config);
        Assert.Equal(TestData.Small, repo.CreateChunker().Options);
    }

    public static TheoryData<string, string> BadConfigs => new()
    {
        { "pack", "Vault:Repository:PackSize is 0 B" },
        { "level", "Vault:Repository:CompressionLevel is 20" },
        { "bits", "Vault:Repository:IndexPartitionBits is 17" },
        { "chunker", "Vault:Chunking:MaxSize" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void OpenOrCreate_InvalidConfig_ThrowsNamingKey(string which, string message)
    {
        var config = RepositoryConfig.CreateDefault();
        config = which switch
        {
            "pack" => config with { PackSize = 0 },
            "level" => config with { CompressionLevel = 20 },
            "bits" => config with { IndexPartitionBits = 17 },
            _ => config with { Chunker = new ChunkerOptions(1024, 4096, 4096) },
        };
        var e = Assert.Throws<InvalidConfigurationException>(() => LocalRepository.OpenOrCreate(_dir.Path, null, config, out _));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(KeyDir, "master.key")));
    }

    [Fact]
    public void OpenOrCreate_CrashAfterKeyBeforeConfig_ResumesWithSameKey()
    {
        var data = TestData.Text(100);
        ChunkId id;
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, null, null, out _))
        {
            id = repo.Keys.ComputeId(data);
        }

        File.Delete(ConfigPath);
        using var resumed = LocalRepository.OpenOrCreate(_dir.Path, null, null, out var created);
        Assert.True(created);
        Assert.Equal(id, resumed.Keys.ComputeId(data));
        Assert.True(File.Exists(ConfigPath));
    }

    [Fact]
    public async Task DataDirectory_IsPrivate_EveryFileAndDirectoryBelowIt()
    {
        const UnixFileMode file = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode directory = file | UnixFileMode.UserExecute;
        // An existing data directory that others could enter is tightened when the node opens it.
        File.SetUnixFileMode(_dir.Path, directory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, Password, null, out _))
        {
            using var pack = Packs.Build(repo.Keys, Packs.SmallInputs());
            await repo.Packs.WriteAsync(pack.Id, pack.Bytes);
        }

        Assert.Equal(directory, File.GetUnixFileMode(_dir.Path));
        var entries = Directory.EnumerateFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(entries, e => e.Contains(Path.Combine(_dir.Path, "packs"), StringComparison.Ordinal) && File.Exists(e));
        Assert.All(entries, e => Assert.Equal(Directory.Exists(e) ? directory : file, File.GetUnixFileMode(e)));
    }

    [Fact]
    public async Task OpenOrCreate_PacksWithoutConfig_RefusesToCreate()
    {
        using (var repo = LocalRepository.OpenOrCreate(_dir.Path, null, null, out _))
        {
            using var pack = Packs.Build(repo.Keys, Packs.SmallInputs());
            await repo.Packs.WriteAsync(pack.Id, pack.Bytes);
        }

        File.Delete(ConfigPath);
        File.Delete(Path.Combine(KeyDir, "master.key"));
        var e = Assert.Throws<CorruptDataException>(() => LocalRepository.OpenOrCreate(_dir.Path, null, null, out _));
        Assert.Contains("refusing to create", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(KeyDir, "master.key")));
    }

    [Fact]
    public void OpenOrCreate_ConfigWithoutKey_CorruptData()
    {
        LocalRepository.OpenOrCreate(_dir.Path, null, null, out _).Dispose();
        File.Delete(Path.Combine(KeyDir, "master.key"));
        var e = Assert.Throws<CorruptDataException>(() => LocalRepository.OpenOrCreate(_dir.Path, null, null, out _));
        Assert.Contains("no key file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("null")]
    [InlineData("{\"version\":1}")]
    public void OpenOrCreate_DamagedConfig_CorruptData(string content)
    {
        LocalRepository.OpenOrCreate(_dir.Path, null, null, out _).Dispose();
        File.WriteAllText(ConfigPath, content, Encoding.UTF8);
        var e = Assert.Throws<CorruptDataException>(() => LocalRepository.OpenOrCreate(_dir.Path, null, null, out _));
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenOrCreate_TruncatedKeyFile_CorruptData()
    {
        LocalRepository.OpenOrCreate(_dir.Path, null, null, out _).Dispose();
        File.WriteAllBytes(Path.Combine(KeyDir, "master.key"), new byte[31]);
        Assert.Throws<CorruptDataException>(() => LocalRepository.OpenOrCreate(_dir.Path, null, null, out _));
    }
}
