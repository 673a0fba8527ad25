namespace Vault.Remote.Tests.Infrastructure;

/// <summary>One sshd shared by the tests of a class that do not change the server (no rekey, no stop).</summary>
public sealed class SshServerFixture : IAsyncLifetime
{
    public SshServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SshServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
