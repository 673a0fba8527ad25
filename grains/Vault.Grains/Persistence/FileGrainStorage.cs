// Grain state as files under the data directory, for the embedded single node.
// One file per grain and state name; written to a temporary file, then renamed over the old
// one, so a crash leaves either the old or the new state, never a torn one. Stores that hold
// rebuildable state (the chunk index) skip the fsync; the others make every write durable.
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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = serializer.SerializeToArray(grainState.State);
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 0))
        {
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
