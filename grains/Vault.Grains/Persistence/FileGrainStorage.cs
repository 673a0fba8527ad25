// Grain state as files under the data directory, for the embedded single node.
// One file per grain and state name; written to a temporary file, then renamed over the old
// one, so a crash leaves either the old or the new state, never a torn one. Stores that hold
// rebuildable state (the chunk index) skip the fsync; the others make every write durable.
// State (API key hashes, the audit log, snapshot metadata) is private to the node's user: files 0600 in
// directories 0700, whatever the umask.
using System.Text;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Vault.Grains.Persistence;

public sealed class FileGrainStorage(string root, bool durable, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        var bytes = await File.ReadAllBytesAsync(path);
        try
        {
            grainState.State = serializer.Deserialize<T>(bytes);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"grain state file {path} could not be read: {e.Message}", e);
        }

        grainState.RecordExists = true;
        grainState.ETag = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        var bytes = serializer.SerializeToArray(grainState.State);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        await using (var stream = new FileStream(temp, options))
        {
            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(stream.SafeFileHandle) != PrivateFile)
            {
                // A leftover temporary file keeps its old mode when opened again.
                File.SetUnixFileMode(stream.SafeFileHandle, PrivateFile);
            }

            await stream.WriteAsync(bytes);
            if (durable)
            {
                stream.Flush(flushToDisk: true);
            }
        }

        File.Move(temp, path, overwrite: true);
        grainState.RecordExists = true;
        grainState.ETag = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        File.Delete(PathOf(stateName, grainId));
        grainState.State = Activator.CreateInstance<T>();
        grainState.RecordExists = false;
        grainState.ETag = null;
        return Task.CompletedTask;
    }

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the state directory and those above it up to the storage root as 0700; tightens existing ones.</summary>
    private void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        foreach (var dir in new[] { root, directory }.Distinct(StringComparer.Ordinal))
        {
            Directory.CreateDirectory(dir, PrivateDirectory);
            if (File.GetUnixFileMode(dir) != PrivateDirectory)
            {
                File.SetUnixFileMode(dir, PrivateDirectory);
            }
        }
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        // Grain ids may contain characters that are not file-name safe: encode the key.
        var type = Sanitize(grainId.Type.ToString()!);
        var key = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(grainId.Key.ToString()!));
        return Path.Combine(root, type, Sanitize(stateName) + "-" + key + ".bin");
    }

    private static string Sanitize(string s)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '-' && chars[i] != '_' && chars[i] != '.')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}
