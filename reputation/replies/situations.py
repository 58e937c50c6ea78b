"""What a review is about: its situation (late delivery, rude staff, …) and the customer's own words for it.

The situation comes from the keywords of the rule file and the review's
sentiment (a negative review is never answered as a thank-you). The subject is
the customer's words around the matched keyword — the clause it sits in, at
most a few words either side — so that a draft names the specific thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reputation.replies.matching import find, words
from reputation.replies.rules import NEGATIVE_SITUATIONS, RuleBook

# Clauses end at punctuation, brackets, quotes, dashes and the conjunctions that join two complaints.
_CLAUSE_END = re.compile(r"[.!?…;:,()\[\]{}\"«»“”„]|\s[-–—]\s|\n|\s(?:and|but|и|а|но|ja|mutta)\s", re.IGNORECASE)
# Words kept either side of the keyword in a quote.
_BEFORE, _AFTER = 4, 5
_MIN_QUOTE_WORDS = 2
# A quote carrying markup, links or addresses would repeat them in our reply.
_UNQUOTABLE = re.compile(r"[<>\[\]{}`*|\\/@#_=]|https?|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Situation:
    key: str
    quote: str | None  # the customer's words naming the subject, or None


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    bounds = [m for m in _CLAUSE_END.finditer(text)]
    left = max((m.end() for m in bounds if m.end() <= start), default=0)
    right = min((m.start() for m in bounds if m.start() >= end), default=len(text))
    return left, right


def quote_around(text: str, start: int, end: int, book: RuleBook) -> str | None:
    """The customer's words around text[start:end], within its clause; None when unfit to quote."""
    left, right = _clause(text, start, end)
    clause = words(text[left:right], book.stemmer)
    inside = [i for i, w in enumerate(clause) if w.start + left < end and w.end + left > start]
    if not inside:
        return None
    # Two more words reach back to the clause's start rather than cut "The" off "The courier …".
    first = inside[0] - _BEFORE if inside[0] - _BEFORE > 2 else 0
    last = min(inside[-1] + _AFTER, len(clause) - 1)
    if last - first + 1 < _MIN_QUOTE_WORDS:
        return None
    quote = text[left + clause[first].start : left + clause[last].end]
    return None if _UNQUOTABLE.search(quote) else quote


def _matches(text: str, book: RuleBook) -> dict[str, list[tuple[int, int]]]:
    """Each situation's keyword spans; a word several keywords match counts once."""
    text_words = words(text, book.stemmer)
    return {
        key: sorted({span for phrase in phrases for span in find(phrase, text_words)})
        for key, phrases in book.situations.items()
    }


def recognise(text: str, book: RuleBook, polarity: str | None) -> Situation:
    """The review's situation; `polarity` is its sentiment (negative, neutral, positive) or None if unscored."""
    matches = _matches(text, book)
    negative = max(
        (key for key in NEGATIVE_SITUATIONS if matches[key]), key=lambda key: len(matches[key]), default=None
    )
    question = "?" in text or bool(matches["neutral_question"])
    if polarity == "negative":
        key = negative or "other_negative"
    elif polarity == "positive":
        key = "positive_thanks"
    elif polarity == "neutral" and question:
        key = "neutral_question"
    elif negative and len(matches[negative]) >= len(matches["positive_thanks"]):
        key = negative
    elif matches["positive_thanks"]:
        key = "positive_thanks"
    else:
        key = "neutral_question" if question else "other_negative"
    spans = matches.get(key) or []
    if key == "neutral_question" and "?" in text:
        # The question itself: the words before its question mark.
        asked = words(text[: text.index("?")], book.stemmer)
        spans = [(asked[-1].start, asked[-1].end)] if asked else []
    quote = next((q for start, end in spans if (q := quote_around(text, start, end, book))), None)
    return Situation(key, quote)
