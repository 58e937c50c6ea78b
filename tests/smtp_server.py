"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that keeps what it receives.

    server = SmtpServer().start()            # plain SMTP on a free port
    ...send...
    server.messages[0].message["Subject"]     # parsed (email.policy.default)
    server.messages[0].raw                    # the bytes as received
    server.stop(); server.start()             # an outage, then the same port again
    server.reply = "451 4.3.0 Try again later"  # up, but refusing every message
    server.delay = 5                          # takes the message, answers DATA 5 s later

`SmtpServer(security="starttls" | "ssl", username=..., password=...)` serves
TLS with a self-signed certificate for 127.0.0.1 (`certificate`: point
SSL_CERT_FILE at it so clients trust it) and requires that login.
`on_message` runs in the server's thread when a message arrives, before the
server answers: a test can kill the sender there to simulate a crash after
the server took the message.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage = field(repr=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost; returns (certificate, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.reply:
            return self.server.reply
        raw = envelope.original_content or envelope.content
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            raw=raw,
            message=email.message_from_bytes(raw, policy=email.policy.default),
        )
        with self.server._arrived:
            self.server.messages.append(received)
            self.server._arrived.notify_all()
        if self.server.on_message:
            self.server.on_message(received)
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        return "250 2.0.0 OK"


class SmtpServer:
    def __init__(
        self,
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        port: int | None = None,
    ):
        if security not in ("none", "starttls", "ssl"):
            raise ValueError("security must be none, starttls or ssl")
        self.security = security
        self.username, self.password = username, password
        self.host = HOST
        self.port = port or _free_port()
        self.messages: list[Received] = []
        # An SMTP reply such as "451 4.3.0 Try again later" given to every message instead of taking it.
        self.reply: str | None = None
        self.on_message: Callable[[Received], None] | None = None
        # Seconds between taking a message and answering DATA: a sender killed then never hears the 250.
        self.delay: float = 0
        self.logins: list[str] = []
        self._arrived = threading.Condition()
        self._controller: Controller | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="smtp-server-")
        self.certificate: Path | None = None
        self._tls: ssl.SSLContext | None = None
        if security != "none":
            self.certificate, key = make_certificate(Path(self._folder.name))
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls.load_cert_chain(self.certificate, key)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpServer:
        """Listen on `port` (the same one after a stop)."""
        if self._controller is not None:
            return self
        options: dict = {"hostname": self.host, "port": self.port}
        if self.security == "ssl":
            options["ssl_context"] = self._tls
        elif self.security == "starttls":
            options.update(tls_context=self._tls, require_starttls=True)
        if self.username is not None:
            # aiosmtpd sees only STARTTLS as TLS; on an SSL socket the login is encrypted already.
            options.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=self.security != "ssl"
            )
        self._controller = Controller(_Handler(self), **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def close(self) -> None:
        self.stop()
        self._folder.cleanup()

    def restart(self) -> SmtpServer:
        self.stop()
        return self.start()

    def _authenticate(self, smtp, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        if ok:
            self.logins.append(self.username)
        return AuthResult(success=ok, handled=False)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """The messages once at least `count` have arrived; fails after `timeout` seconds without them."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} messages, the SMTP server got {len(self.messages)}")
            return list(self.messages)

    def smtp_config(self, **overrides) -> dict:
        """The `alerts.smtp` section of a config that sends to this server."""
        section = {"host": self.host, "port": self.port, "security": self.security, "timeout": "10s"}
        if self.username is not None:
            section["username"] = self.username
        return {**section, **overrides}
