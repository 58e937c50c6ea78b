"""The most frequent themes of negative reviews: key phrases of one to three words, per language.

A review's text is cut into phrases at punctuation and stop words (so "cold coffee
and a rude waiter" gives "cold coffee" and "rude waiter", never "coffee rude");
words are compared by their Snowball stems, so "холодный кофе" and "холодного кофе"
are one theme. A theme counts the reviews that mention it; a phrase as frequent as
a longer one containing it adds nothing and is left out.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

import snowballstemmer

from reputation.report.stopwords import STOP_WORDS

STEMMERS = {"ru": "russian", "fi": "finnish", "en": "english"}
MAX_WORDS = 3
# A theme is something at least two reviews say.
MIN_REVIEWS = 2
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Markup in a scraped text is not what the review is about.
_TAG = re.compile(r"<[^<>]*>")
_BREAK = re.compile(r"[.,;:!?()\[\]{}<>\"«»“”—–/\\|*#=+\n]+")


@dataclass(frozen=True)
class Theme:
    phrase: str
    reviews: int
    # The id of the review that shows it best (the shortest one that says it).
    example_id: int


@dataclass(frozen=True)
class Text:
    id: int
    text: str


def _phrases(text: str, language: str, stem, ignored: frozenset[str]) -> dict[tuple[str, ...], str]:
    """Every 1–3 word n-gram inside the text's phrases: stems -> the words as written."""
    stop = STOP_WORDS[language]
    found: dict[tuple[str, ...], str] = {}
    for piece in _BREAK.split(_TAG.sub(".", text.lower())):
        run: list[tuple[str, str]] = []
        for word in [*_WORD.findall(piece), ""]:  # "" ends the last run
            stemmed = stem(word) if word and word not in stop and len(word) > 1 else None
            if stemmed and stemmed not in ignored:
                run.append((stemmed, word))
                continue
            for size in range(1, MAX_WORDS + 1):
                for start in range(len(run) - size + 1):
                    gram = run[start : start + size]
                    found.setdefault(tuple(s for s, _ in gram), " ".join(w for _, w in gram))
            run = []
    return found


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return any(longer[i : i + len(shorter)] == shorter for i in range(len(longer) - len(shorter) + 1))


def key_phrases(texts: Iterable[Text], language: str, *, ignore: Iterable[str] = (), limit: int = 5) -> list[Theme]:
    """The `limit` most frequent themes of `texts`, all in `language` (ru, fi or en)."""
    stemmer = snowballstemmer.stemmer(STEMMERS[language])
    ignored = frozenset(stemmer.stemWord(word.lower()) for name in ignore for word in _WORD.findall(name))
    seen_in: dict[tuple[str, ...], list[Text]] = defaultdict(list)
    written: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for text in texts:
        for gram, words in _phrases(text.text, language, stemmer.stemWord, ignored).items():
            seen_in[gram].append(text)
            written[gram][words] += 1
    frequent = {gram: len(found) for gram, found in seen_in.items() if len(found) >= MIN_REVIEWS}
    kept = [
        gram
        for gram, count in frequent.items()
        if not any(len(other) > len(gram) and n == count and _contains(other, gram) for other, n in frequent.items())
    ]
    kept.sort(key=lambda gram: (-frequent[gram], -len(gram), " ".join(gram)))
    return [
        Theme(
            phrase=written[gram].most_common(1)[0][0],
            reviews=frequent[gram],
            example_id=min(seen_in[gram], key=lambda t: (len(t.text), t.id)).id,
        )
        for gram in kept[:limit]
    ]
