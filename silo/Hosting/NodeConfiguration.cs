using Vault.Configuration;
using Vault.Schedules;

namespace Vault.Silo.Hosting;

/// <summary>
/// Every configuration section a node knows, each bound strictly: a value that does not convert or a key that
/// is not a setting stops the node, naming the key (and the nearest valid one). A new section adds
/// <see cref="ConfigurationSectionAttribute"/> to its options type in this assembly or the gateway's, or one
/// line to <see cref="Schema"/>.
/// </summary>
public static class NodeConfiguration
{
    public static ConfigurationSchema Schema { get; } = new ConfigurationSchema()
        .AddAssembly(typeof(NodeConfiguration).Assembly)
        .AddAssembly(typeof(Vault.Gateway.GatewayOptions).Assembly)
        .Add<Dictionary<string, ScheduleSpec>>(ScheduleSection.Section)
        .Add<Dictionary<string, Vault.Remote.Hosts.RemoteHostOptions>>(Vault.Remote.Hosts.RemoteOptions.Section + ":Hosts")
        .Add<Vault.Notifications.NotificationOptions>(Vault.Notifications.NotificationOptions.Section)
        .Add<Vault.Offsite.OffsiteOptions>(Vault.Offsite.OffsiteOptions.Section);

    /// <summary>Checks every section of the node at once; throws a <see cref="StartupException"/> listing each problem.</summary>
    public static void Check(IConfiguration configuration)
    {
        var errors = Schema.Check(configuration);
        if (errors.Count > 0)
        {
            throw new StartupException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>Binds one section strictly (see <see cref="StrictBinder"/>); a problem is a <see cref="StartupException"/>.</summary>
    public static T Bind<T>(IConfiguration configuration, string path)
        where T : new()
    {
        try
        {
            return StrictBinder.Bind<T>(configuration, path, Schema);
        }
        catch (ConfigurationBindingException e)
        {
            throw new StartupException(e.Message);
        }
    }
}
