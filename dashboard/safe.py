"""Showing hostile text (review texts, authors, titles, URLs) as text, never as live markup.

Streamlit's markdown (st.markdown, captions, labels, alerts) renders links, images and
emphasis; every outside string that goes through it is escaped here first. Plain
st.text and dataframes need no escaping. Links: reputation.links.web_url.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=])")


def md(text: object) -> str:
    """`text` escaped so that markdown shows it literally, on one line."""
    one_line = " ".join(str(text).split())
    return _MARKDOWN.sub(r"\\\1", one_line)


def one_line(text: object) -> str:
    """CR/LF and tabs in a name or title become spaces (they would fake extra lines)."""
    return " ".join(str(text).split())
