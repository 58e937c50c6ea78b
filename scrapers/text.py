"""Turn a review's raw text or HTML fragment into clean plain text.

The result is data, not markup: only the page's real tags are removed, while
text the page showed literally (an escaped "<script>") is kept as the visible
characters and must be escaped again wherever it is displayed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

_HIDDEN_ELEMENTS = {"script", "style", "noscript", "template"}
_BREAK_START_TAGS = {"br"}
_BREAK_END_TAGS = {"p", "div", "li"}

_ZERO_WIDTH_JOINER = "\u200d"
# Invisible characters that only get in the way of matching and display.
# Listed one by one rather than dropping the whole "Cf" category, which also
# holds the tag characters that subdivision flag emoji are built from.
_INVISIBLE = {
    "\u00ad",  # soft hyphen
    "\u200b", "\u200c", "\u200e", "\u200f",  # zero-width space / non-joiner, LRM, RLM
    "\u2060", "\ufeff",  # word joiner, byte order mark
    *map(chr, range(0x202A, 0x202F)),  # bidi embeddings and overrides
    *map(chr, range(0x2066, 0x206A)),  # bidi isolates
}
_VARIATION_SELECTORS = {"\ufe0e", "\ufe0f"}
_SKIN_TONES = range(0x1F3FB, 0x1F400)

# A named or numeric character reference, terminated by ";".
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.IGNORECASE)


class _TextCollector(HTMLParser):
    """Collects visible text; entities in it arrive already unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_ELEMENTS:
            self._hidden_depth += 1
        elif tag in _BREAK_START_TAGS and not self._hidden_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_ELEMENTS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BREAK_END_TAGS and not self._hidden_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def clean_text(raw: str | None) -> str:
    """Plain, NFC-normalized text of a review; "" for None or blank input."""
    if raw is None or not raw.strip():
        return ""
    collector = _TextCollector()
    collector.feed(raw)
    collector.close()
    text = "".join(collector.parts)
    # Sources sometimes escape twice ("&amp;lt;"); one more pass fixes that.
    # The result is never parsed again, so it cannot turn into markup.
    if _ENTITY.search(text):
        text = html.unescape(text)
    text = re.sub(r"\r\n?|[\u2028\u2029]", "\n", text)
    text = unicodedata.normalize("NFC", _visible_chars(text))
    return _tidy_whitespace(text)


def _visible_chars(text: str) -> str:
    """Drop invisible and control characters, keeping emoji sequences intact."""
    kept: list[str] = []
    for index, char in enumerate(text):
        if char == _ZERO_WIDTH_JOINER:
            following = text[index + 1 : index + 2]
            if _joins_emoji(kept) and following and _is_pictographic(following):
                kept.append(char)
        elif char in _INVISIBLE:
            continue
        elif unicodedata.category(char) == "Cc":
            if char in "\n\t":
                kept.append(char)
        elif unicodedata.category(char) == "Zs":
            kept.append(" ")  # no-break and other wide spaces become plain ones
        else:
            kept.append(char)
    return "".join(kept)


def _joins_emoji(kept: list[str]) -> bool:
    """Whether the text before a joiner ends in an emoji ("❤️" counts too)."""
    for char in reversed(kept):
        if char not in _VARIATION_SELECTORS:
            return _is_pictographic(char)
    return False


def _is_pictographic(char: str) -> bool:
    # The standard library has no emoji property; emoji are "So" symbols and
    # skin-tone modifiers, which is close enough to decide about a joiner.
    return unicodedata.category(char) == "So" or ord(char) in _SKIN_TONES


def _tidy_whitespace(text: str) -> str:
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
