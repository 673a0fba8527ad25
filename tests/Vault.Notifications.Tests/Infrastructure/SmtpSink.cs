using System.Diagnostics;
using MimeKit;

namespace Vault.Notifications.Tests.Infrastructure;

public enum SmtpSinkMode
{
    Plain,
    StartTls,
    Tls,
}

/// <summary>
/// A real SMTP server (aiosmtpd under /usr/bin/python3) on 127.0.0.1: STARTTLS or implicit TLS with a
/// certificate made for the test, AUTH required after TLS. A missing aiosmtpd fails the test (never skips).
/// </summary>
public sealed class SmtpSink : IDisposable
{
    public const string User = "vault-mailer";
    public const string Password = "s3cret-pass";

    private readonly Process _process;
    private readonly string _dir;

    private SmtpSink(Process process, string dir, int port, SmtpSinkMode mode)
    {
        _process = process;
        _dir = dir;
        Port = port;
        Mode = mode;
    }

    public int Port { get; }

    public SmtpSinkMode Mode { get; }

    public string CertificateFile => Path.Combine(_dir, "cert.pem");

    public string PasswordFile => Path.Combine(_dir, "password");

    public static async Task<SmtpSink> StartAsync(SmtpSinkMode mode)
    {
        if (!File.Exists("/usr/bin/python3") || await RunAsync("/usr/bin/python3", "-c", "import aiosmtpd") != 0)
        {
            throw new InvalidOperationException("aiosmtpd is not installed for /usr/bin/python3: install the Debian package python3-aiosmtpd (infra/test-packages.txt; ./test.sh does it)");
        }

        var dir = Directory.CreateTempSubdirectory("vault-smtp-").FullName;
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        if (mode != SmtpSinkMode.Plain)
        {
            var rc = await RunAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE");
            if (rc != 0)
            {
                throw new InvalidOperationException($"openssl could not make the test certificate (exit {rc})");
            }
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "password"), Password + "\n");
        var port = TestPorts.Free();
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Infrastructure", "smtp_sink.py"));
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(Path.Combine(dir, "mail"));
        psi.ArgumentList.Add(mode.ToString().ToLowerInvariant());
        if (mode != SmtpSinkMode.Plain)
        {
            psi.ArgumentList.Add(cert);
            psi.ArgumentList.Add(key);
            psi.ArgumentList.Add(User);
            psi.ArgumentList.Add(Password);
        }

        var process = Process.Start(psi)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }

        if (line != "READY")
        {
            process.Kill(entireProcessTree: true);
            var err = await process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException($"the SMTP sink did not start within 20 s (first line '{line}'): {err}");
        }

        return new SmtpSink(process, dir, port, mode);
    }

    /// <summary>The messages received so far, parsed, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var mail = Path.Combine(_dir, "mail");
        return Directory.Exists(mail)
            ? [.. Directory.GetFiles(mail, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))]
            : [];
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode;
    }
}
