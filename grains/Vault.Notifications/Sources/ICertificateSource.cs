namespace Vault.Notifications;

/// <summary>Where the certificate watch learns which certificate files the node uses (read at each check, so a changed list is followed).</summary>
public interface ICertificateSource
{
    IReadOnlyList<ConfiguredCertificate> Certificates();
}
