using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Vault.Notifications;

/// <summary>
/// Email through an SMTP server with MailKit: STARTTLS (required, not opportunistic), TLS from the first
/// byte, or none; optional authentication (password from SecretFile/SecretEnv); a multipart/alternative
/// message with a plain-text and an HTML part. The server's certificate is checked against the system
/// roots, or against CaFile for a private CA. A 5xx answer to the message is rejected, anything else retried.
/// </summary>
public sealed class SmtpChannel(string name, ChannelOptions options, NotificationContext context) : INotificationChannel
{
    public string Name => name;

    public ChannelType Type => ChannelType.Smtp;

    public static MimeMessage Message(OutboxDelivery d, ChannelOptions options, NotificationContext context)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From!));
        foreach (var to in options.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = NotificationText.Title(d);
        message.MessageId = $"{d.Id}@vault.{context.Node}";
        message.Headers.Add("X-Vault-Event", d.Event.Kind);
        message.Headers.Add("X-Vault-Delivery", d.Id);
        message.Headers.Add("X-Vault-Severity", NotificationText.Label(d).ToLowerInvariant());
        var body = new BodyBuilder { TextBody = NotificationText.PlainBody(d, context), HtmlBody = Html(d, context) };
        message.Body = body.ToMessageBody();
        return message;
    }

    public async Task<DeliveryResult> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        string? password;
        try
        {
            password = ChannelSecret.Read(options.SecretFile, options.SecretEnv, $"password of SMTP channel {name}");
        }
        catch (ChannelSetupException e)
        {
            return DeliveryResult.Retry(e.Message);
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(options.Timeout);
        using var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds, ServerCertificateValidationCallback = ValidateCertificate };
        var where = $"SMTP channel {name} ({options.Host}:{options.Port})";
        try
        {
            var security = options.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(options.Host!, options.Port, security, timer.Token).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await client.AuthenticateAsync(new NetworkCredential(options.UserName, password), timer.Token).ConfigureAwait(false);
            }

            await client.SendAsync(Message(delivery, options, context), timer.Token).ConfigureAwait(false);
            await client.DisconnectAsync(true, timer.Token).ConfigureAwait(false);
            return DeliveryResult.Delivered;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"{where} did not answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500 && e.ErrorCode != SmtpErrorCode.UnexpectedStatusCode)
        {
            return DeliveryResult.Reject($"{where} refused the message: {(int)e.StatusCode} {e.Message}");
        }
        catch (AuthenticationException e)
        {
            return DeliveryResult.Retry($"{where} refused the login of {options.UserName}: {e.Message}");
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or SocketException or SslHandshakeException
            or ServiceNotConnectedException or NotSupportedException or TimeoutException)
        {
            return DeliveryResult.Retry($"{where}: {e.GetType().Name}: {e.Message}");
        }
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (string.IsNullOrEmpty(options.CaFile) || certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var ca = X509CertificateLoader.LoadCertificateFromFile(options.CaFile);
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    private static string Html(OutboxDelivery d, NotificationContext context)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var rows = string.Concat(NotificationText.Facts(d, context).Select(f => $"<tr><th align=\"left\">{E(f.Key)}</th><td>{E(f.Value)}</td></tr>"));
        var link = context.StatusPageUrl is { Length: > 0 } page ? $"<p><a href=\"{E(page)}\">Status page</a></p>" : "";
        return $"<html><body><h2 style=\"color:{NotificationText.Colour(d)}\">{E(NotificationText.Label(d))}: {E(d.Event.Kind)} {E(d.Event.Subject)}</h2>"
            + $"<p>{E(d.Event.Summary)}</p><table>{rows}</table>{link}</body></html>";
    }
}
