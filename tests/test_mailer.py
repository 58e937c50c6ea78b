"""SMTP delivery against a real aiosmtpd server: plain, STARTTLS and SSL with a login, and every failure as one line."""

from email.message import EmailMessage

import pytest
from pydantic import ValidationError

from reputation.config import Smtp
from reputation.mailer import MailError, send_message
from tests.smtp_server import SmtpServer


def message(subject="Проверка") -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = "alerts@example.com"
    mail["To"] = "team@example.com"
    mail["Message-ID"] = "<test-1@example.com>"
    mail.set_content("Текст письма")
    return mail


@pytest.fixture
def tls_server(request, monkeypatch):
    server = SmtpServer(security=request.param, username="alerts", password="s3cret").start()
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))  # trust the test's self-signed certificate
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    yield server
    server.close()


def test_plain_smtp_delivers_the_message_as_given(smtp_server):
    send_message(Smtp(**smtp_server.smtp_config()), message())
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["team@example.com"]
    assert received.message["Subject"] == "Проверка"
    assert received.message["Message-ID"] == "<test-1@example.com>"
    assert received.message.get_content().strip() == "Текст письма"


@pytest.mark.parametrize("tls_server", ["starttls", "ssl"], indirect=True)
def test_tls_with_a_login_from_the_environment(tls_server):
    smtp = Smtp(**tls_server.smtp_config(password_env="TEST_SMTP_PASSWORD"))
    send_message(smtp, message())
    assert tls_server.logins == ["alerts"]
    assert [m.message["Subject"] for m in tls_server.messages] == ["Проверка"]


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
def test_a_wrong_password_or_a_missing_variable_is_a_one_line_error(tls_server, monkeypatch):
    smtp = Smtp(**tls_server.smtp_config(password_env="TEST_SMTP_PASSWORD"))
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    with pytest.raises(MailError, match=r"^127\.0\.0\.1:\d+: 535 ") as refused:
        send_message(smtp, message())
    assert "\n" not in str(refused.value)
    monkeypatch.delenv("TEST_SMTP_PASSWORD")
    with pytest.raises(MailError, match="TEST_SMTP_PASSWORD is not set"):
        send_message(smtp, message())
    assert tls_server.messages == []


@pytest.mark.parametrize("tls_server", ["starttls", "ssl"], indirect=True)
def test_an_untrusted_certificate_is_refused(tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    smtp = Smtp(**tls_server.smtp_config(password_env="TEST_SMTP_PASSWORD"))
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        send_message(smtp, message())
    assert tls_server.messages == [] and tls_server.logins == []


def test_a_server_that_is_down_or_refuses_gives_the_reason(smtp_server):
    smtp = Smtp(**smtp_server.smtp_config())
    smtp_server.reply = "451 4.3.0 Try again later"
    with pytest.raises(MailError, match=r": 451 4\.3\.0 Try again later$"):
        send_message(smtp, message())
    smtp_server.stop()
    with pytest.raises(MailError, match=r"^127\.0\.0\.1:\d+: .*[Cc]onnection refused"):
        send_message(smtp, message())
    smtp_server.reply = None
    smtp_server.start()
    send_message(smtp, message())
    assert len(smtp_server.messages) == 1


def test_a_login_needs_a_password_variable():
    with pytest.raises(ValidationError, match="password_env"):
        Smtp(username="alerts")
