using System.CommandLine;
using Vault.Cli.Certificates;

namespace Vault.Cli.Commands;

/// <summary>
/// <c>vault certs ca --out DIR</c> and <c>vault certs node NAME --ca DIR --out DIR [--dns H]… [--ip A]… [--days N]</c>:
/// a small CA and node certificates for cluster mutual TLS (Vault:Cluster:Tls), made on this machine; no gateway is called.
/// </summary>
public static class CertsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var caOut = new Option<string>("--out") { Description = "Directory for ca.crt and ca.key (created 0700; existing files are never overwritten)", Required = true, HelpName = "DIR" };
        var caName = new Option<string>("--name") { Description = "Common name of the CA", DefaultValueFactory = _ => "Vault cluster CA", HelpName = "NAME" };
        var caDays = new Option<int>("--days") { Description = "Days the CA is valid", DefaultValueFactory = _ => 3650, HelpName = "N" };
        var ca = new Command("ca", "Make a CA (ECDSA P-256): ca.crt for every node's Vault:Cluster:Tls:Ca, ca.key (0600) to sign node certificates") { caOut, caName, caDays };
        ca.SetAction((parse, _) => RunAsync(globals, () =>
        {
            var (certificate, key) = ClusterCertificateIssuer.CreateAuthority(Resolve(globals, parse.GetValue(caOut)!), parse.GetValue(caName)!, parse.GetValue(caDays), DateTimeOffset.UtcNow);
            return (certificate, key, new { certificate, key });
        }, parse.GetValue(globals.Json)));

        var name = new Argument<string>("NAME") { Description = "The node's name (its node id): the certificate's subject CN and default DNS name" };
        var nodeCa = new Option<string>("--ca") { Description = "Directory holding ca.crt and ca.key", Required = true, HelpName = "DIR" };
        var nodeOut = new Option<string>("--out") { Description = "Directory for NAME.crt and NAME.key (0600)", Required = true, HelpName = "DIR" };
        var dns = new Option<string[]>("--dns") { Description = "DNS name in the certificate (repeatable; default: NAME)", HelpName = "HOST", AllowMultipleArgumentsPerToken = false };
        var ip = new Option<string[]>("--ip") { Description = "IP address in the certificate (repeatable)", HelpName = "ADDRESS", AllowMultipleArgumentsPerToken = false };
        var nodeDays = new Option<int>("--days") { Description = "Days the certificate is valid", DefaultValueFactory = _ => 365, HelpName = "N" };
        var node = new Command("node", "Make a node certificate signed by the CA, for both server and client authentication") { name, nodeCa, nodeOut, dns, ip, nodeDays };
        node.SetAction((parse, _) => RunAsync(globals, () =>
        {
            var (certificate, key) = ClusterCertificateIssuer.CreateNode(parse.GetValue(name)!, Resolve(globals, parse.GetValue(nodeCa)!), Resolve(globals, parse.GetValue(nodeOut)!),
                parse.GetValue(dns) ?? [], parse.GetValue(ip) ?? [], parse.GetValue(nodeDays), DateTimeOffset.UtcNow);
            return (certificate, key, new { certificate, key });
        }, parse.GetValue(globals.Json)));

        return new Command("certs", "Certificates for cluster mutual TLS (made locally; see docs/security.md)") { ca, node };
    }

    private static string Resolve(GlobalOptions globals, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(globals.Environment.CurrentDirectory, path));

    private static async Task<int> RunAsync(GlobalOptions globals, Func<(string Certificate, string Key, object Json)> make, bool json)
    {
        var environment = globals.Environment;
        try
        {
            var (certificate, key, document) = make();
            await environment.Out.WriteLineAsync(json ? Json.Serialize(document) : $"wrote {certificate}\nwrote {key} (mode 0600)");
            return ExitCodes.Ok;
        }
        catch (CertificateRequestException e)
        {
            await environment.Error.WriteLineAsync($"vault: error: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
