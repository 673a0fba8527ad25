namespace Vault.Notifications;

/// <summary>Reads a channel's secret at send time: the first line of a file, or an environment variable. The value is never logged.</summary>
public static class ChannelSecret
{
    public static string? Read(string? file, string? env, string what)
    {
        if (!string.IsNullOrEmpty(file))
        {
            try
            {
                return File.ReadLines(file).FirstOrDefault()?.Trim() ?? "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ChannelSetupException($"cannot read the {what} from file {file}: {e.Message}");
            }
        }

        if (!string.IsNullOrEmpty(env))
        {
            var value = Environment.GetEnvironmentVariable(env);
            return string.IsNullOrEmpty(value)
                ? throw new ChannelSetupException($"the {what} environment variable {env} is not set on this node")
                : value.Trim();
        }

        return null;
    }
}
