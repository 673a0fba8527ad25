using Orleans;
using Vault.Failover;
using Vault.Grains.Failover;
using Vault.Grains.Hosting;

namespace Vault.Silo.Hosting;

/// <summary>The failover section: Vault:Failover:Services:&lt;name&gt;:… and Vault:Failover:Observer:Routes.</summary>
[Vault.Configuration.ConfigurationSection(Section)]
public sealed class FailoverSection
{
    public const string Section = "Vault:Failover";

    public Dictionary<string, FailoverServiceSpec> Services { get; set; } = new(StringComparer.Ordinal);

    public ObserverSection Observer { get; set; } = new();

    public sealed class ObserverSection
    {
        /// <summary>"host:port=host:port": how this silo reaches a server whose configured address it cannot use.</summary>
        public List<string> Routes { get; set; } = [];
    }

    public static FailoverSection Bind(IConfiguration configuration)
    {
        // Strict: the stock binder drops an entry of Services whose value does not convert (Engine=Oracle), leaving a node that protects nothing.
        return NodeConfiguration.Bind<FailoverSection>(configuration, Section);
    }

    public IEnumerable<string> Validate()
    {
        foreach (var (name, spec) in Services)
        {
            foreach (var error in FailoverSpecValidator.Validate(name, spec))
            {
                yield return error;
            }
        }

        foreach (var route in Observer.Routes)
        {
            var parts = route.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !FailoverSpecValidator.IsEndpoint(parts[0]) || !FailoverSpecValidator.IsEndpoint(parts[1]))
            {
                yield return $"{Section}:Observer:Routes entry is '{route}'; must be host:port=host:port";
            }
        }
    }
}

/// <summary>Hands the configured services to their controllers once the silo runs (idempotent: every silo does it).</summary>
public sealed partial class FailoverStartup(IGrainFactory grains, FailoverSection section, ILogger<FailoverStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, spec) in section.Services)
        {
            try
            {
                await grains.GetGrain<IFailoverControllerGrain>(name).ConfigureAsync(spec);
                Started(logger, name, spec.Engine);
            }
            catch (Exception e) when (e is VaultException or OrleansException or TimeoutException)
            {
                Failed(logger, name, e.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover controller for {Service} ({Engine}) configured")]
    private static partial void Started(ILogger logger, string service, FailoverEngine engine);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failover controller for {Service} could not be configured: {Error}")]
    private static partial void Failed(ILogger logger, string service, string error);
}

public static class FailoverHostingExtensions
{
    /// <summary>Validates the failover section, registers the controller's services and starts the configured controllers.</summary>
    public static void AddVaultFailoverNode(this WebApplicationBuilder builder, ISiloBuilder silo, FailoverSection section)
    {
        silo.AddVaultFailover(section.Observer.Routes);
        builder.Services.AddSingleton(section);
    }
}
