using Vault.Cli.Certificates;

namespace Vault.Cluster.Tests;

/// <summary>
/// Certificate files of a test cluster, made with the same code as <c>vault certs</c>: CAs in <c>ca-NAME/</c>, and per
/// node <c>NODE/node.crt</c>, <c>NODE/node.key</c> and <c>NODE/trust.pem</c> (the CAs it trusts), at fixed paths so a
/// running node sees a replaced file (every replacement is a rename, as an operator would do it).
/// </summary>
public sealed class ClusterTlsFiles(string root)
{
    public string Root { get; } = root;

    public string Authority(string name) => Path.Combine(Root, "ca-" + name);

    public void NewAuthority(string name) =>
        ClusterCertificateIssuer.CreateAuthority(Authority(name), $"Vault test CA {name}", 30, DateTimeOffset.UtcNow);

    /// <summary>Issues NODE's certificate from <paramref name="authority"/> and puts it in place: the key first, then the certificate.</summary>
    public void Issue(string node, string authority)
    {
        var staging = Path.Combine(Root, "staging-" + Guid.NewGuid().ToString("N")[..8]);
        ClusterCertificateIssuer.CreateNode(node, Authority(authority), staging, ["localhost", node], ["127.0.0.1"], 7, DateTimeOffset.UtcNow);
        Directory.CreateDirectory(NodeDir(node));
        File.Move(Path.Combine(staging, node + ".key"), Key(node), overwrite: true);
        File.Move(Path.Combine(staging, node + ".crt"), Certificate(node), overwrite: true);
        Directory.Delete(staging);
    }

    /// <summary>Makes NODE trust exactly <paramref name="authorities"/> (one PEM bundle, replaced by a rename).</summary>
    public void Trust(string node, params string[] authorities)
    {
        Directory.CreateDirectory(NodeDir(node));
        var temporary = TrustFile(node) + ".new";
        File.WriteAllText(temporary, string.Concat(authorities.Select(a => File.ReadAllText(Path.Combine(Authority(a), ClusterCertificateIssuer.CaCertificateFile)))));
        File.Move(temporary, TrustFile(node), overwrite: true);
    }

    /// <summary>A node with a certificate from <paramref name="authority"/> that trusts <paramref name="trusts"/> (default: the same CA).</summary>
    public void Node(string node, string authority, params string[] trusts)
    {
        Issue(node, authority);
        Trust(node, trusts.Length > 0 ? trusts : [authority]);
    }

    public string Certificate(string node) => Path.Combine(NodeDir(node), "node.crt");

    public string Key(string node) => Path.Combine(NodeDir(node), "node.key");

    public string TrustFile(string node) => Path.Combine(NodeDir(node), "trust.pem");

    /// <summary>The silo (or standalone gateway) arguments that turn mutual TLS on with NODE's files.</summary>
    public string[] Arguments(string node) =>
    [
        "--Vault:Cluster:Tls:Mode=Required",
        "--Vault:Cluster:Tls:Certificate=" + Certificate(node),
        "--Vault:Cluster:Tls:PrivateKey=" + Key(node),
        "--Vault:Cluster:Tls:Ca:0=" + TrustFile(node),
        "--Vault:Cluster:Tls:ReloadCheckSeconds=1",
    ];

    private string NodeDir(string node) => Path.Combine(Root, node);
}
