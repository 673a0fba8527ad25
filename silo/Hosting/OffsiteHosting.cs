using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vault.Grains.Node;
using Vault.Grains.Offsite;
using Vault.Notifications;
using Vault.Offsite;
using Vault.Offsite.Recovery;
using Vault.Offsite.Stores;
using Vault.Offsite.Upload;

namespace Vault.Silo.Hosting;

/// <summary>
/// Vault:Offsite on the node: targets bound strictly and validated at start, the upload queue under the data
/// directory, the uploader, readiness (every target answers), the lag event, and recovery from a target
/// when the node starts on an empty data directory with Vault:Offsite:RecoverFrom.
/// </summary>
public static partial class OffsiteHosting
{
    public static OffsiteOptions Bind(IConfiguration configuration) =>
        NodeConfiguration.Bind<OffsiteOptions>(configuration, OffsiteOptions.Section);

    /// <summary>Rebuilds the data directory from the RecoverFrom target when it holds no repository yet.</summary>
    public static void RecoverIfAsked(OffsiteOptions offsite, string dataDir, string? password)
    {
        if (offsite.RecoverFrom is not { Length: > 0 } from || File.Exists(Path.Combine(dataDir, "repo", "config.json")))
        {
            return;
        }

        if (password is null)
        {
            throw new StartupException($"{OffsiteOptions.Section}:RecoverFrom is '{from}': recovery needs the repository password (VAULT_PASSWORD or Vault:PasswordFile)");
        }

        using var stores = OffsiteStores.From(new OffsiteOptions { Targets = new() { [from] = offsite.Targets[from] } });
        try
        {
            var result = Task.Run(() => OffsiteRecovery.RecoverAsync(stores.Get(from), dataDir, password, m => Console.Error.WriteLine($"vault-silo: recovery: {m}"), CancellationToken.None))
                .GetAwaiter().GetResult();
            Console.Error.WriteLine($"vault-silo: recovered the repository from off-site target '{from}': {result.Packs} packs, {result.Bytes} bytes, {result.Snapshots} snapshots");
        }
        catch (OffsiteException e)
        {
            throw new StartupException($"recovery from off-site target '{from}' failed: {e.Message}");
        }
    }

    public static IServiceCollection AddVaultOffsite(this IServiceCollection services, OffsiteOptions offsite, VaultNode node)
    {
        services.AddSingleton(offsite);
        services.AddSingleton(sp => new OffsiteQueue(node.DataDir, offsite.Targets.Keys));
        services.AddSingleton(_ => OffsiteStores.From(offsite));
        // The uploader itself is registered with the grains (AddVaultGrains); here it runs as a hosted service.
        services.AddHostedService<OffsiteStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<OffsiteUploader>());
        if (offsite.Targets.Count > 0)
        {
            services.AddHealthChecks().AddCheck<OffsiteReachableCheck>("offsite", tags: ["ready"]);
        }

        return services;
    }

    /// <summary>
    /// At start: queues the repository configuration and the password-wrapped key (never a raw key file),
    /// imports a recovery's index and snapshots, and turns lag changes into offsite.lagging events.
    /// </summary>
    private sealed partial class OffsiteStartup(VaultNode node, OffsiteQueue queue, OffsiteUploader uploader, OffsiteImport import,
        IServiceProvider services, ILogger<OffsiteStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var sink = services.GetService<INotificationSink>();
            uploader.LagChanged += status => sink?.Publish(status.Lagging
                ? VaultEvent.Raise(EventKinds.OffsiteLagging, EventSeverity.Warning, $"offsite:{status.Target}",
                    $"node '{node.NodeId}' has {status.PendingObjects} uploads ({status.PendingPacks} packs, {status.PendingBytes} bytes) queued for target '{status.Target}'; the oldest is {status.OldestPendingAge.TotalMinutes:0} min old" +
                    (status.LastError is { } error ? $"; last error: {error}" : ""))
                : VaultEvent.Clear(EventKinds.OffsiteLagging, $"offsite:{status.Target}", $"node '{node.NodeId}' caught up with target '{status.Target}'"));

            if (queue.Targets.Count > 0)
            {
                var wrapped = Path.Combine(node.DataDir, "repo", "keys", "master.json");
                var config = Path.Combine(node.DataDir, "repo", "config.json");
                if (File.Exists(wrapped))
                {
                    queue.EnqueueRepository(await File.ReadAllBytesAsync(config, cancellationToken), await File.ReadAllBytesAsync(wrapped, cancellationToken));
                }
                else
                {
                    LogNoWrappedKey(node.NodeId);
                }
            }

            if (import.Pending)
            {
                await import.RunAsync(cancellationToken);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} uses a raw key file, not a password: the off-site copy gets no key, and recovery from it needs that key file")]
        private partial void LogNoWrappedKey(string node);
    }

    private sealed class OffsiteReachableCheck(OffsiteStores stores) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var failures = new List<string>();
            foreach (var store in stores.All.Values)
            {
                try
                {
                    await store.ProbeAsync(timeout.Token);
                }
                catch (Exception e) when (e is OffsiteException or OperationCanceledException)
                {
                    failures.Add(e is OperationCanceledException ? $"target '{store.Name}': no answer within 5 s" : e.Message);
                }
            }

            return failures.Count == 0
                ? HealthCheckResult.Healthy($"{stores.All.Count} off-site target(s) answer")
                : HealthCheckResult.Unhealthy(string.Join("; ", failures));
        }
    }
}
