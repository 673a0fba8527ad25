# A real SMTP server for the notification tests (aiosmtpd, Debian python3-aiosmtpd; run with /usr/bin/python3).
# Usage: smtp_sink.py PORT MAILDIR MODE [CERT KEY USER PASSWORD]
#   MODE plain: no TLS, no AUTH.  starttls: STARTTLS required before MAIL, AUTH (PLAIN/LOGIN) required after TLS.
#   tls: TLS from the first byte (SMTPS), AUTH required.
# Each accepted message is written to MAILDIR/<n>.eml (written to a temp name, then renamed). Prints READY when listening.
import asyncio, os, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(maildir, exist_ok=True)
counter = [0]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        path = os.path.join(maildir, "%06d.eml" % counter[0])
        header = "X-Sink-Tls: %s\r\nX-Sink-Auth: %s\r\nX-Sink-Rcpt: %s\r\n" % (
            "yes" if session.ssl or server.transport.get_extra_info("ssl_object") is not None else "no", session.authenticated and "yes" or "no", ",".join(envelope.rcpt_tos))
        with open(path + ".tmp", "wb") as f:
            f.write(header.encode() + envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"

kwargs = {}
if mode != "plain":
    cert, key, user, password = sys.argv[4:8]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    if mode == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True)
    else:
        # aiosmtpd's auth_require_tls looks at STARTTLS only; this connection is TLS from the first byte.
        kwargs.update(ssl_context=ctx, auth_require_tls=False)

controller = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
controller.start()
print("READY", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
