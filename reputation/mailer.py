"""SMTP delivery: plain, STARTTLS or SSL per the config, with the login's password from the environment.

Every failure becomes a `MailError` with a one-line reason, whatever layer it
came from (DNS, TCP, TLS, SMTP replies, a missing password variable).
"""

from __future__ import annotations

import smtplib
import ssl
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from typing import Iterator

from reputation.config import ConfigError, Smtp, secret

# The standard library folds a long non-ASCII header into encoded words and
# loses the space at a fold ("почему стоимость" arrives as "почемустоимость");
# headers up to RFC 5322's 998-character limit are therefore not folded.
POLICY = policy.default.clone(max_line_length=998)


def new_message() -> EmailMessage:
    return EmailMessage(policy=POLICY)


class MailError(Exception):
    """Sending failed; the message is the reason, on one line."""


def _reason(smtp: Smtp, exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address}: {_reply(code, text)}" for address, (code, text) in exc.recipients.items())
        detail = f"every recipient refused ({refused})"
    elif isinstance(exc, smtplib.SMTPResponseException):
        detail = _reply(exc.smtp_code, exc.smtp_error)
    else:
        detail = str(exc) or type(exc).__name__
    return " ".join(f"{smtp.host}:{smtp.port}: {detail}".split())


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


@contextmanager
def connect(smtp: Smtp) -> Iterator[smtplib.SMTP]:
    """An SMTP session, secured and logged in as the config says; closed at the end."""
    timeout = smtp.timeout.total_seconds()
    try:
        password = secret("alerts.smtp.password_env", smtp.password_env) if smtp.username else None
    except ConfigError as exc:
        raise MailError(str(exc)) from None
    context = ssl.create_default_context()
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(_reason(smtp, exc)) from None
    try:
        try:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, password)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(_reason(smtp, exc)) from None
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def send_with(client: smtplib.SMTP, smtp: Smtp, message: EmailMessage) -> None:
    """Send on an open session. Recipients refused while others took the message do not fail it:
    sending it again would repeat it to those who have it."""
    try:
        client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(_reason(smtp, exc)) from None


def send_message(smtp: Smtp, message: EmailMessage) -> None:
    """Send one message in a session of its own."""
    with connect(smtp) as client:
        send_with(client, smtp, message)
