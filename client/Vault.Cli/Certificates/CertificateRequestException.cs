namespace Vault.Cli.Certificates;

/// <summary>Bad input to <see cref="ClusterCertificateIssuer"/> (a name, an address, a day count, an existing file); the message names the option.</summary>
public sealed class CertificateRequestException(string message) : Exception(message);
