namespace Vault.Remote.Services;

public enum ServiceAction
{
    Status,
    Start,
    Stop,
    Restart,
    Reload,
}
