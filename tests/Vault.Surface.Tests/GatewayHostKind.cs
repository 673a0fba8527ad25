namespace Vault.Surface.Tests;

/// <summary>The two hosts of the gateway: co-hosted in a silo, or the standalone vault-gateway process.</summary>
public enum GatewayHostKind
{
    Silo,
    Standalone,
}
