"""A Telegram channel preview (t.me/s/<channel>) that gets new posts while it is being crawled.

For the scheduler's tests and bench/alerts.py: `publish(text)` adds a post
stamped with the current time. Pages have the real preview's shape (see
tests/sites/telegram.py): posts `div.tgme_widget_message[data-post]` oldest at
the top, text in `div.tgme_widget_message_text.js-message_text`, the time in
`a.tgme_widget_message_date > time[datetime]`, the newest PAGE_SIZE posts per
page and `a.tme_messages_more[data-before]` leading to older ones.
"""

from __future__ import annotations

import html
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 20


class LiveChannel:
    def __init__(self, channel: str = "moscow_eats", title: str = "Москва ест"):
        self.channel, self.title = channel, title
        self.posts: dict[int, tuple[str, datetime]] = {}
        # How many times the channel's pages were asked for.
        self.requests = 0
        self._lock = threading.Lock()

    def publish(self, text: str, at: datetime | None = None) -> int:
        """Add a post (plain text); returns its id. Its `data-post` is `<channel>/<id>`."""
        with self._lock:
            post_id = max(self.posts, default=0) + 1
            self.posts[post_id] = (text, at or datetime.now(timezone.utc))
        return post_id

    def start(self) -> LiveChannel:
        channel = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path != f"/s/{channel.channel}":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                channel.requests += 1
                before = parse_qs(parts.query).get("before")
                body = channel.page(int(before[0]) if before else None).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}/s/{self.channel}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def page(self, before: int | None) -> str:
        with self._lock:
            ids = sorted(i for i in self.posts if before is None or i < before)[-PAGE_SIZE:]
            shown = [(i, *self.posts[i]) for i in ids]
        more = (
            f'<div class="tme_messages_more_wrap"><a href="/s/{self.channel}?before={ids[0]}" '
            f'class="tme_messages_more js-messages_more" data-before="{ids[0]}"></a></div>'
            if ids and ids[0] > 1
            else ""
        )
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
            f"{self.title} – Telegram</title></head><body>"
            f'<div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">{self.title}</span></div></div>'
            f'<section class="tgme_channel_history js-message_history">{more}'
            + "".join(self._post(*post) for post in shown)
            + "</section></body></html>"
        )

    def _post(self, post_id: int, text: str, at: datetime) -> str:
        link = f"https://t.me/{self.channel}/{post_id}"
        return (
            '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{self.channel}/{post_id}">'
            '<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_author accent_color">'
            f'<a class="tgme_widget_message_owner_name" href="https://t.me/{self.channel}"><span dir="auto">{self.title}</span></a></div>'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{html.escape(text)}</div>'
            '<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">'
            f'<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="{link}">'
            f'<time datetime="{at.isoformat()}" class="time">{at:%H:%M}</time></a></span>'
            "</div></div></div></div></div>"
        )
