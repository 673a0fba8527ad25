namespace Vault.Notifications;

/// <summary>A TLS certificate the node is configured with: <see cref="Name"/> is the configuration key that names <see cref="File"/> (a PEM file).</summary>
public sealed record ConfiguredCertificate(string Name, string File);
