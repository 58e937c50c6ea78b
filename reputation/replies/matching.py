"""Words, sentences and phrase matching with character offsets into the original text.

Phrases from the rule files match by word stems (Snowball), so one entry catches
its inflected forms: "проблема" also finds "проблемы", "проблемой", "проблему";
"pahoittelemme aiheutunutta haittaa" also "pahoittelen aiheutunutta haittaa".
In a phrase, `*` stands for up to two words of any kind and `=word` for that exact
word (no stemming), for short words whose stems would catch too much.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"\w+(?:['’-]\w+)*")
# A sentence ends at . ! ? … (one or more) followed by a space or the end, or at a line break.
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n+")
GAP = "*"
GAP_WORDS = 2
# Snowball leaves some forms of a word with a stem one or two letters shorter
# ("проблема" -> "проблем", "проблему" -> "пробл"): stems this long that differ
# only so at their end count as the same word.
_MIN_SHARED_STEM = 4
_MAX_STEM_TAIL = 2


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int
    lower: str
    stem: str


@dataclass(frozen=True)
class Phrase:
    """One entry of a phrase list: its words' stems (`=word` exact, `*` a gap) and an optional suggestion."""

    source: str
    parts: tuple[str, ...]
    suggestion: str | None = None


def _normal(word: str) -> str:
    return word.lower().replace("ё", "е").replace("’", "'")


@lru_cache(maxsize=None)
def _stemmer(algorithm: str):
    return snowballstemmer.stemmer(algorithm)


def stem(word: str, algorithm: str) -> str:
    return _stemmer(algorithm).stemWord(_normal(word))


class Words(list):
    """A text's words in order, with an index from stems and exact forms to their positions."""

    _index: tuple[dict, dict, dict] | None = None

    def positions(self, part: str) -> list[int]:
        """Where a phrase part (a stem, or `=word`) matches, in order."""
        if self._index is None:
            exact, shortened, lower = {}, {}, {}
            for i, word in enumerate(self):
                exact.setdefault(word.stem, []).append(i)
                lower.setdefault(word.lower, []).append(i)
                for cut in range(1, _MAX_STEM_TAIL + 1):
                    if len(word.stem) - cut >= _MIN_SHARED_STEM:
                        shortened.setdefault(word.stem[:-cut], []).append(i)
            self._index = (exact, shortened, lower)
        exact, shortened, lower = self._index
        if part[0] == "=":
            return lower.get(part[1:], [])
        found = set(exact.get(part, []))
        if len(part) >= _MIN_SHARED_STEM:
            found.update(shortened.get(part, []))
        for cut in range(1, _MAX_STEM_TAIL + 1):
            if len(part) - cut >= _MIN_SHARED_STEM:
                found.update(exact.get(part[:-cut], []))
        return sorted(found)


def words(text: str, algorithm: str) -> Words:
    found = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
    stems = _stemmer(algorithm).stemWords([_normal(w) for w, _, _ in found])
    return Words(Word(w, start, end, _normal(w), s) for (w, start, end), s in zip(found, stems))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, the end past its closing punctuation, surrounding spaces left out."""
    spans, start = [], 0
    for end_mark in _SENTENCE_END.finditer(text):
        spans.append((start, end_mark.end()))
        start = end_mark.end()
    spans.append((start, len(text)))
    trimmed = []
    for start, end in spans:
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            trimmed.append((start + left, start + right))
    return trimmed


def compile_phrase(source: str, algorithm: str, suggestion: str | None = None) -> Phrase:
    parts = []
    for token in source.split():
        if token == GAP:
            parts.append(GAP)
        elif token.startswith("="):
            parts.append("=" + _normal(token[1:]))
        else:
            found = WORD.findall(token)
            if len(found) != 1:
                raise ValueError(f"phrase {source!r}: {token!r} is not one word")
            parts.append(stem(found[0], algorithm))
    if not parts or parts[0] == GAP or parts[-1] == GAP:
        raise ValueError(f"phrase {source!r} must begin and end with a word")
    return Phrase(source, tuple(parts), suggestion)


@lru_cache(maxsize=1 << 16)
def same_stem(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= _MIN_SHARED_STEM and len(long) - len(short) <= _MAX_STEM_TAIL and long.startswith(short)


def _part_matches(part: str, word: Word) -> bool:
    return word.lower == part[1:] if part[0] == "=" else same_stem(part, word.stem)


def _match_at(parts: tuple[str, ...], text_words: Words, index: int) -> int | None:
    """Index of the last word of a match of `parts` starting at word `index`, or None."""
    if not parts:
        return index - 1
    if parts[0] == GAP:
        for skip in range(GAP_WORDS + 1):
            end = _match_at(parts[1:], text_words, index + skip)
            if end is not None:
                return end
        return None
    if index < len(text_words) and _part_matches(parts[0], text_words[index]):
        return _match_at(parts[1:], text_words, index + 1)
    return None


def find(phrase: Phrase, text_words: Words) -> list[tuple[int, int]]:
    """Character spans of the phrase's non-overlapping occurrences."""
    spans, free_from = [], 0
    for index in text_words.positions(phrase.parts[0]):
        if index < free_from:
            continue
        last = _match_at(phrase.parts, text_words, index)
        if last is not None:
            spans.append((text_words[index].start, text_words[last].end))
            free_from = last + 1
    return spans
