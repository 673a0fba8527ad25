namespace Vault.Remote.Hosts;

/// <summary>The configured hosts by name; asking for another name is an error that lists the configured ones.</summary>
public sealed class RemoteHosts(RemoteOptions options)
{
    public IReadOnlyCollection<string> Names => options.Hosts.Keys.Order(StringComparer.Ordinal).ToList();

    public RemoteHostOptions Get(string name) =>
        options.Hosts.TryGetValue(name, out var host)
            ? host
            : throw new RemoteHostNotFoundException(options.Hosts.Count == 0
                ? $"remote host '{name}' is not configured: this node has no Vault:Remote:Hosts"
                : $"remote host '{name}' is not configured on this node (configured: {string.Join(", ", Names)})");
}
