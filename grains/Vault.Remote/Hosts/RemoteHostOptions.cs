namespace Vault.Remote.Hosts;

/// <summary>One remote host: Vault:Remote:Hosts:&lt;name&gt;:… (see docs/remote.md for every key).</summary>
public sealed class RemoteHostOptions
{
    /// <summary>The name the host is configured under (set by the binder, not a configuration key).</summary>
    public string Name { get; internal set; } = "";

    /// <summary>Host name or IP address sshd listens on.</summary>
    public string Address { get; set; } = "";

    public int Port { get; set; } = 22;

    public string User { get; set; } = "";

    /// <summary>Private key file (OpenSSH, PEM or PKCS#8); must not be readable by group or others.</summary>
    public string PrivateKeyFile { get; set; } = "";

    /// <summary>File holding the key's passphrase (first line); at most one of this and PassphraseEnv.</summary>
    public string? PassphraseFile { get; set; }

    /// <summary>Name of an environment variable holding the key's passphrase.</summary>
    public string? PassphraseEnv { get; set; }

    /// <summary>known_hosts file pinning the host's key (OpenSSH format; `[address]:port` for a port other than 22).</summary>
    public string KnownHostsFile { get; set; } = "";

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Default limit on one command's run time; the remote process is ended when it passes (`timeout`).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Limit of one upload or download (connect, copy and verification); a transfer that passes it is abandoned and the target left unchanged.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Operations (commands, transfers) at once against this host; more wait their turn.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Bytes of stdout and of stderr kept per command for the result and the audit; more is counted and reported as truncated.</summary>
    public int MaxCaptureBytes { get; set; } = 64 * 1024;

    /// <summary>Largest file uploaded or downloaded.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Command template for a service action on hosts without systemd, with {service} and {action}
    /// (e.g. "/etc/init.d/{service} {action}"). Empty: systemctl.
    /// </summary>
    public string? ServiceCommand { get; set; }

    /// <summary>Status template for hosts without systemd, with {service}: exit 0 = active, 3 = inactive (LSB), else unknown.</summary>
    public string? ServiceStatusCommand { get; set; }

    /// <summary>How long a start, stop, restart or reload may take to reach its state before the action fails.</summary>
    public TimeSpan ServiceSettleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The host as ssh names it in known_hosts: address, or [address]:port when the port is not 22.</summary>
    public string KnownHostsName => Port == 22 ? Address : $"[{Address}]:{Port}";

    public override string ToString() => $"host '{Name}' ({Address}:{Port})";
}
