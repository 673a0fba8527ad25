namespace Vault.Remote.Commands;

public enum RemoteStreamKind
{
    Stdout,
    Stderr,
}
