"""The rule files: one per language (rules/ru.yaml, fi.yaml, en.yaml), read and checked once.

A team adds its own rules in the config (`replies.rules.<language>`) with the
same keys: lists there are added to the bundled lists, single texts replace
the bundled ones. A mistake in either names the key and what is wrong.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import snowballstemmer
import yaml

from reputation.replies.matching import Phrase, compile_phrase

LANGUAGES = ("ru", "fi", "en")
PHRASE_RULES = ("stock_phrase", "avoid_word", "blame", "lecturing", "tone")
RULES = (
    "greeting", "name", "apology_first", *PHRASE_RULES, "next_step", "exclamations",
    "repeated", "length", "personal_data",
)
MARKERS = ("greetings", "apologies", "next_steps", "times", "order_words")
SITUATIONS = (
    "late_delivery", "defective_product", "rude_staff", "billing", "service_quality",
    "other_negative", "positive_thanks", "neutral_question",
)
NEGATIVE_SITUATIONS = SITUATIONS[:6]
TEMPLATE_FIELDS = {"greeting", "about", "contact", "company"}
CONTACT_KINDS = ("phone", "email", "messenger")
SUGGESTION_FIELDS = {"name", "limit", "count"}


class RulesError(ValueError):
    """A mistake in a rule file or in the config's replies.rules, naming the key."""


@dataclass(frozen=True)
class SituationDrafts:
    about: str  # a sentence naming the subject in general words
    about_quote: str  # the same with {quote}: the customer's own words
    templates: tuple[str, ...]


@dataclass(frozen=True)
class RuleBook:
    language: str
    stemmer: str
    quote: str
    names: frozenset[str]
    not_names: frozenset[str]
    markers: dict[str, tuple[Phrase, ...]]
    phrases: dict[str, tuple[Phrase, ...]]
    suggestions: dict[str, str]
    situations: dict[str, tuple[Phrase, ...]]
    greetings_named: tuple[str, ...]
    greetings_plain: tuple[str, ...]
    contact: dict[str, str]
    drafts: dict[str, SituationDrafts]


def _merge(bundled: Any, extra: Any, where: str) -> Any:
    if isinstance(bundled, dict):
        if not isinstance(extra, dict):
            raise RulesError(f"{where}: expected a mapping of keys, not {type(extra).__name__}")
        merged = dict(bundled)
        for key, value in extra.items():
            if key not in bundled:
                raise RulesError(f"{where + '.' if where else ''}{key}: unknown key; allowed here: {', '.join(bundled)}")
            merged[key] = _merge(bundled[key], value, f"{where + '.' if where else ''}{key}")
        return merged
    if isinstance(bundled, list):
        if not isinstance(extra, list):
            raise RulesError(f"{where}: expected a list")
        return bundled + extra
    return extra


def _texts(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{where}: expected a list of texts")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: expected a text")
    return value.strip()


def _phrases(entries: Any, stemmer: str, where: str) -> tuple[Phrase, ...]:
    if not isinstance(entries, list):
        raise RulesError(f"{where}: expected a list of phrases")
    compiled = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and set(entry) <= {"phrase", "suggestion"} and "phrase" in entry:
            source, suggestion = entry["phrase"], entry.get("suggestion")
            if suggestion is not None:
                suggestion = _template(suggestion, f"{where}[{index}].suggestion", SUGGESTION_FIELDS)
        else:
            source, suggestion = entry, None
        try:
            compiled.append(compile_phrase(_text(source, f"{where}[{index}]"), stemmer, suggestion))
        except ValueError as exc:
            raise RulesError(f"{where}[{index}]: {exc}") from None
    return tuple(compiled)


def _template(text: Any, where: str, allowed: set[str]) -> str:
    text = _text(text, where)
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise RulesError(f"{where}: {exc}; write {{{{ and }}}} for literal braces") from None
    if not used <= allowed:
        raise RulesError(f"{where}: unknown placeholder {sorted(used - allowed)[0]!r}; allowed: {', '.join(sorted(allowed))}")
    return text


def _situation_drafts(raw: Any, where: str) -> SituationDrafts:
    if not isinstance(raw, dict) or set(raw) != {"about", "about_quote", "templates"}:
        raise RulesError(f"{where}: expected the keys about, about_quote and templates")
    templates = tuple(_template(t, f"{where}.templates[{i}]", TEMPLATE_FIELDS) for i, t in enumerate(_texts(raw["templates"], f"{where}.templates")))
    # Consecutive drafts for one source take turns through the templates, so they never read the same.
    if len(set(templates)) < 2:
        raise RulesError(f"{where}.templates: needs at least two different templates, so that drafts vary")
    about_quote = _template(raw["about_quote"], f"{where}.about_quote", {"quote"})
    if "{quote}" not in about_quote:
        raise RulesError(f"{where}.about_quote: must contain {{quote}}, the customer's words")
    return SituationDrafts(_template(raw["about"], f"{where}.about", set()), about_quote, templates)


def _book(language: str, raw: dict) -> RuleBook:
    stemmer = _text(raw.get("stemmer"), "stemmer")
    if stemmer not in snowballstemmer.algorithms():
        raise RulesError(f"stemmer: {stemmer!r} is not a Snowball algorithm; e.g. russian, finnish, english")
    quote = _template(raw.get("quote"), "quote", {"text"})
    markers = {key: _phrases(raw["markers"].get(key), stemmer, f"markers.{key}") for key in MARKERS}
    phrases = {rule: _phrases(raw["phrases"].get(rule), stemmer, f"phrases.{rule}") for rule in PHRASE_RULES}
    suggestions = {
        rule: _template(raw["suggestions"].get(rule), f"suggestions.{rule}", SUGGESTION_FIELDS)
        for rule in (*RULES, "next_time")
    }
    situations = {key: _phrases(raw["situations"].get(key), stemmer, f"situations.{key}") for key in SITUATIONS}
    drafts = raw["drafts"]
    contact = {
        key: _template(drafts["contact"].get(key), f"drafts.contact.{key}", {key} if key in CONTACT_KINDS else set())
        for key in (*CONTACT_KINDS, "none")
    }
    contact["or"] = drafts["contact"].get("or", "")
    return RuleBook(
        language=language,
        stemmer=stemmer,
        quote=quote,
        names=frozenset(n.lower() for n in _texts(raw["names"], "names")),
        not_names=frozenset(n.lower() for n in _texts(raw["not_names"], "not_names")),
        markers=markers,
        phrases=phrases,
        suggestions=suggestions,
        situations=situations,
        greetings_named=tuple(_template(t, "drafts.greeting_named", {"name"}) for t in _texts(drafts["greeting_named"], "drafts.greeting_named")),
        greetings_plain=tuple(_template(t, "drafts.greeting", set()) for t in _texts(drafts["greeting"], "drafts.greeting")),
        contact=contact,
        drafts={key: _situation_drafts(drafts.get(key), f"drafts.{key}") for key in SITUATIONS},
    )


@lru_cache(maxsize=None)
def _bundled(language: str) -> dict:
    return yaml.safe_load(files("reputation.replies").joinpath("rules", f"{language}.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=32)
def _cached_book(language: str, extra_json: str) -> RuleBook:
    raw = _merge(_bundled(language), json.loads(extra_json), "")
    return _book(language, raw)


def rule_book(language: str, extra: dict | None = None) -> RuleBook:
    """The rules of `language`: the bundled file with the team's `extra` rules added."""
    if language not in LANGUAGES:
        raise RulesError(f"no reply rules for language {language!r}; available: {', '.join(LANGUAGES)}")
    return _cached_book(language, json.dumps(extra or {}, sort_keys=True, ensure_ascii=False, default=str))


def every_name(extra: dict[str, dict]) -> tuple[frozenset[str], frozenset[str]]:
    """Known first names and not-name words of all languages: a Russian name may sign a Finnish review."""
    books = [rule_book(language, extra.get(language)) for language in LANGUAGES]
    return frozenset().union(*(b.names for b in books)), frozenset().union(*(b.not_names for b in books))
