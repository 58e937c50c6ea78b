"""A local SMTP server (aiosmtpd) that keeps every message it receives as an .eml file.

Files are named by arrival time and a counter, and written under a temporary
name first, so a reader never sees half a message.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import threading
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from aiosmtpd.controller import Controller


class MailSink:
    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025,
                 on_message: Callable[[Path, EmailMessage], None] | None = None):
        self.folder = folder
        self.host, self.port = host, port
        self.on_message = on_message
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()  # raises if the port is taken
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        arrived = datetime.now(timezone.utc)
        with self._lock:
            name = f"{arrived:%Y%m%d-%H%M%S}-{next(self._numbers):04d}.eml"
            path = self.folder / name
            partial = path.with_suffix(".part")
            partial.write_bytes(raw)
            partial.rename(path)
        if self.on_message:
            self.on_message(path, email.message_from_bytes(raw, policy=email.policy.default))
        return "250 2.0.0 OK: kept as " + name
