"""Showing hostile text (review texts, authors, titles, URLs) as text, never as live markup.

Streamlit's markdown (st.markdown, captions, labels, alerts) renders links, images and
emphasis; every outside string that goes through it is escaped here first. Plain
st.text and dataframes need no escaping. Only http(s) URLs become links.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=])")


def md(text: object) -> str:
    """`text` escaped so that markdown shows it literally, on one line."""
    one_line = " ".join(str(text).split())
    return _MARKDOWN.sub(r"\\\1", one_line)


def one_line(text: object) -> str:
    """CR/LF and tabs in a name or title become spaces (they would fake extra lines)."""
    return " ".join(str(text).split())


def link_target(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) address, else None (javascript:, data:, relative...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in "\r\n\t <>\"'`"):
        return None
    return url
