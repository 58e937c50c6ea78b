"""A local HTTP server that serves look-alike copies of the real sources.

Each site is a module under `tests/sites/` with `handle(request) -> (status,
headers, body)`, mounted at `/<site>/`. Tests change what a site serves through
`server.state` (e.g. `state["phase"] = 2` for the second crawl) and read every
request the server saw in `server.requests`.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

ROBOTS_TXT = b"User-agent: *\nDisallow: /forbidden/\n"


@dataclass
class SiteRequest:
    path: str  # below the site's mount point, starting with "/"
    query: dict[str, str]
    headers: dict[str, str]
    base: str  # absolute URL of the site's mount point, for absolute links
    state: dict


@dataclass
class LookalikeServer:
    state: dict = field(default_factory=lambda: {"phase": 1})
    requests: list[tuple[str, str, dict]] = field(default_factory=list)

    def start(self) -> LookalikeServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((parts.path, parts.query, headers))
                if parts.path == "/robots.txt":
                    return self._send(200, {"Content-Type": "text/plain"}, ROBOTS_TXT)
                site, _, rest = parts.path.lstrip("/").partition("/")
                try:
                    module = importlib.import_module(f"tests.sites.{site}")
                except ModuleNotFoundError:
                    return self._send(404, {"Content-Type": "text/plain"}, b"no such site")
                request = SiteRequest("/" + rest, dict(parse_qsl(parts.query)), headers, f"{server.url}/{site}", server.state)
                status, extra, body = module.handle(request)
                self._send(status, extra, body)

            def _send(self, status, headers, body):
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def hits(self, prefix: str) -> list[tuple[str, str, dict]]:
        return [r for r in self.requests if r[0].startswith(prefix)]
