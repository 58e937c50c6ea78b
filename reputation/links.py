"""Which outside URLs may become links in the dashboard, e-mails and reports."""

from __future__ import annotations

from urllib.parse import urlsplit


def web_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) address, else None (javascript:, data:, relative...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in "\r\n\t <>\"'`"):
        return None
    return url
