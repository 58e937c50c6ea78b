"""The author's first name, when the profile name looks like a person's and not like a nickname.

A reply greets by name only when it is sure: "Анна Смирнова", "Петров Иван",
"Marja-Liisa K." give a name; "Коза-Дереза", "user12345", "kofe_lover",
"anna" (an all-lowercase login), "Гость" give none. A word counts as a first
name when the rule files list it, so an unknown real name is left out rather
than a nickname greeted as if it were one.
"""

from __future__ import annotations

import re
from typing import Iterable

# A word of a person's name: letters, inner hyphens or apostrophes ("Анна-Мария", "O'Neil"),
# or an initial ("K.").
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?|[^\W\d_]\.")
_MAX_WORDS = 3


def _script(word: str) -> set[str]:
    return {"cyrillic" if "\u0400" <= ch <= "\u04ff" else "latin" for ch in word if ch.isalpha()}


def first_name(author: str | None, known: Iterable[str], not_names: Iterable[str]) -> str | None:
    """The first name to greet `author` by, or None when the profile name is a nickname."""
    if not author:
        return None
    parts = author.split()
    author = " ".join(parts)
    if not parts or len(parts) > _MAX_WORDS or not all(_NAME_WORD.fullmatch(p) for p in parts):
        return None
    # An all-lowercase profile name is a login ("anna", "ivan petrov").
    if author == author.lower() or len(_script(author.replace(" ", ""))) > 1:
        return None
    known, not_names = {k.lower() for k in known}, {n.lower() for n in not_names}
    if any(p.lower().rstrip(".") in not_names for p in parts):
        return None
    for part in parts:
        if part.endswith("."):
            continue
        if part.split("-")[0].replace("’", "'").lower() in known:
            # "ANNA" is greeted as "Anna"; "Анна-Мария" keeps both halves.
            return part.title() if part.isupper() else part
    return None
