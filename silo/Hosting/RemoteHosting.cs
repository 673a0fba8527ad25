using Vault.Remote;
using Vault.Remote.Hosts;

namespace Vault.Silo.Hosting;

public static class RemoteHosting
{
    /// <summary>
    /// Binds Vault:Remote strictly and validates every host; a bad value, an unknown key or a key file that others
    /// can read stops the node, naming the key. Registers the SSH seams (with no hosts configured they answer
    /// "not configured").
    /// </summary>
    public static void AddVaultRemote(this WebApplicationBuilder builder)
    {
        RemoteOptions options;
        try
        {
            options = RemoteOptions.Bind(builder.Configuration);
        }
        catch (RemoteConfigurationException e)
        {
            throw new StartupException(e.Message);
        }

        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new StartupException(string.Join(Environment.NewLine, errors));
        }

        builder.Services.AddVaultRemote(options);
    }
}
