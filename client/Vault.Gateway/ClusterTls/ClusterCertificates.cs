using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Connections.Security;

namespace Vault.ClusterTls;

/// <summary>
/// The node's side of cluster mutual TLS: the certificate it presents and the CAs a peer must chain to. The files
/// are read at start (a problem stops the node) and read again when they change — noticed every
/// <see cref="ClusterTlsOptions.ReloadCheckSeconds"/> and at each new connection — so certificates and trusted
/// CAs rotate without a restart: new connections use the new files, established ones stay up. A change that
/// cannot be used (a half-written file, a key that does not match) is logged and the previous files stay in use.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private readonly ClusterTlsOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private ClusterTlsMaterial _material;
    private string _loadedStamp;
    private string? _failedStamp;

    /// <summary>Loads the files; throws <see cref="ClusterTlsException"/> naming the key of a file that cannot be used.</summary>
    public ClusterCertificates(ClusterTlsOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _loadedStamp = Stamp();
        _material = ClusterTlsMaterial.Load(options, _time.GetUtcNow());
        var period = TimeSpan.FromSeconds(options.ReloadCheckSeconds);
        _timer = _time.CreateTimer(_ => CheckForChanges(), null, period, period);
    }

    /// <summary>Where refusals and reloads are logged; set once the host's logging is up.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>The certificate this node presents on new connections (after checking the files for a change).</summary>
    public X509Certificate2 Current
    {
        get
        {
            CheckForChanges();
            return _material.Certificate;
        }
    }

    /// <summary>The trusted CA certificates now in use.</summary>
    public X509Certificate2Collection Authorities => _material.Authorities;

    /// <summary>Logs what is in use now (at start).</summary>
    public void LogLoaded() => LogLoaded(_material);

    /// <summary>Reads the files again if any changed since the last load (or the last failed attempt); true when new files were taken.</summary>
    public bool CheckForChanges()
    {
        var stamp = Stamp();
        lock (_lock)
        {
            if (stamp == _loadedStamp || stamp == _failedStamp)
            {
                return false;
            }

            try
            {
                var material = ClusterTlsMaterial.Load(_options, _time.GetUtcNow());
                _material = material;
                _loadedStamp = stamp;
                _failedStamp = null;
                ClusterTlsMetrics.Reload("loaded");
                LogLoaded(material);
                return true;
            }
            catch (ClusterTlsException e)
            {
                _failedStamp = stamp;
                ClusterTlsMetrics.Reload("failed");
                ClusterTlsLog.ReloadFailed(Logger, e.Message);
                return false;
            }
        }
    }

    /// <summary>
    /// True when <paramref name="certificate"/> chains to one of the trusted CAs (the platform's own trust store is
    /// not consulted; host names are not checked: membership of the cluster is having a certificate from its CA).
    /// A refusal is logged with the certificate's subject and thumbprint and counted.
    /// </summary>
    public bool Validate(X509Certificate2 certificate, X509Chain? presented, string direction)
    {
        var reason = ChainErrors(certificate, presented, _material.Authorities, _time.GetUtcNow());
        if (reason is null)
        {
            return true;
        }

        ClusterTlsMetrics.Refuse(direction);
        ClusterTlsLog.Refused(Logger, direction, certificate.Subject, certificate.Thumbprint, certificate.Issuer, reason);
        return false;
    }

    /// <summary>Why <paramref name="certificate"/> does not chain to <paramref name="authorities"/> at <paramref name="now"/>; null when it does.</summary>
    public static string? ChainErrors(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection authorities, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(certificate))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status == X509ChainStatusFlags.UntrustedRoot || s.Status == X509ChainStatusFlags.PartialChain
            ? "issued by a CA that is not trusted"
            : s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        var text = string.Join("; ", statuses);
        return text.Length > 0 ? text : "the chain does not build";
    }

    /// <summary>The Orleans TLS settings of one side: present <see cref="Current"/>, require the peer's certificate, and check it with <see cref="Validate"/>.</summary>
    public TlsOptions CreateTlsOptions(string direction) => new()
    {
        LocalCertificate = _material.Certificate,
        LocalServerCertificateSelector = (_, _) => Current,
        LocalClientCertificateSelector = (_, _, _, _, _) => Current,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (certificate, chain, _) => Validate(certificate, chain, direction),
        HandshakeTimeout = TimeSpan.FromSeconds(_options.HandshakeTimeoutSeconds),
    };

    public void Dispose() => _timer.Dispose();

    private void LogLoaded(ClusterTlsMaterial material) =>
        ClusterTlsLog.Loaded(Logger, material.Certificate.Subject, material.Certificate.Thumbprint, material.Certificate.NotAfter.ToUniversalTime(),
            material.Authorities.Count, string.Join(", ", material.Authorities.Select(a => a.Thumbprint)));

    /// <summary>Path, length and modification time of every file: a change of any is a change of the material.</summary>
    private string Stamp()
    {
        IEnumerable<string?> files = [_options.Certificate, _options.PrivateKey, .. _options.Ca];
        return string.Join("|", files.Where(f => f is { Length: > 0 }).Select(f =>
        {
            var info = new FileInfo(f!);
            return info.Exists ? $"{f}:{info.Length}:{info.LastWriteTimeUtc.Ticks}" : $"{f}:missing";
        }));
    }
}
