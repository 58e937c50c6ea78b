"""Language of a text, by lingua, whose models ship inside its wheel (no download)."""

from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

# The product's languages, plus neighbours that would otherwise be forced into one of them.
_LANGUAGES = (
    Language.RUSSIAN,
    Language.FINNISH,
    Language.ENGLISH,
    Language.UKRAINIAN,
    Language.BELARUSIAN,
    Language.ESTONIAN,
    Language.SWEDISH,
    Language.GERMAN,
)
# Below this many letters a guess is noise ("ок", "👍👍").
_MIN_LETTERS = 3


@lru_cache(maxsize=1)
def _detector():
    return LanguageDetectorBuilder.from_languages(*_LANGUAGES).build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it cannot be told."""
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
        return None
    language = _detector().detect_language_of(text)
    return language.iso_code_639_1.name.lower() if language else None
