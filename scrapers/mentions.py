"""Does a post mention the company? By any of its names, in any case or inflection.

Russian and Finnish inflect names ("Кофемания", "Кофемании", "Кофеманию";
"Kofemanian", "Kofemaniassa"), so each word of a name matches by its stem:
the word without its final vowel, followed by at most a short ending.
"""

from __future__ import annotations

import re

_FINAL_VOWELS = "аяоеёыиуюьйaeiouyäö"
# Long enough for "-ией", "-assa", "-ssä", "'s"; short enough not to reach the next word.
_ENDING = r"[\w'’]{0,5}"
_MIN_STEM = 3


def _word_pattern(word: str) -> str:
    stem = word[:-1] if word[-1:].lower() in _FINAL_VOWELS else word
    if len(stem) < _MIN_STEM:  # short names ("Ёж", "Sol") must match whole
        return re.escape(word)
    return re.escape(stem) + _ENDING


class MentionMatcher:
    def __init__(self, names: list[str]):
        patterns = [
            r"[\s-]+".join(_word_pattern(word) for word in re.split(r"[\s-]+", _fold(name.strip())))
            for name in names
            if name.strip()
        ]
        if not patterns:
            raise ValueError("a mention source needs at least one company name or alias")
        self._regex = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)

    def mentions(self, text: str) -> bool:
        return self._regex.search(_fold(text)) is not None


def _fold(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е")
