"""The demo server: one local HTTP server (a thread) answering for every demo source."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from reputation.demo.pages import route
from reputation.demo.world import World, utcnow


class DemoServer:
    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0, *, clock: Callable[[], datetime] = utcnow):
        self.world = world
        # What "now" is for the pages: items and replies published later are not shown yet.
        self.clock = clock
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                try:
                    status, headers, body = route(server.world, parts.path, dict(parse_qsl(parts.query)), server.base, server.clock())
                except (ValueError, KeyError) as exc:  # a malformed query (offset=abc): the client's mistake
                    status, headers, body = 400, {"Content-Type": "text/plain"}, f"bad request: {exc}".encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        # Raises OSError (address in use) before anything else starts.
        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://{host}:{self._httpd.server_port}"

    @property
    def port(self) -> int:
        return self._httpd.server_port

    def start(self) -> DemoServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
