"""The reply checker: findings for a draft, each with its rule, the offending span and a suggestion.

Rules (ids as in Finding.rule): greeting, name, apology_first, stock_phrase,
avoid_word, blame, lecturing, tone, next_step, exclamations, repeated, length,
personal_data. The phrase lists and the advice come from the rule files
(rules/<language>.yaml); the structure rules are here. Spans are character
offsets into the text checked; a good reply gets no finding at all.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from reputation.config import Config, Contact
from reputation.replies.matching import Word, Words, find, same_stem, sentences, stem, words
from reputation.replies.names import first_name
from reputation.replies.reviews import ReviewFacts, earlier_replies, load_review
from reputation.replies.rules import PHRASE_RULES, RULES, RuleBook, every_name, rule_book
from reputation.replies.situations import Situation, recognise
from reputation.store import Store

_EXCERPT = 80
# Apologising within the first words of the first sentence after the greeting is opening with it.
_OPENING_WORDS = 3
# Shorter sentences ("Спасибо, что написали.") may recur in any reply.
_REPEATED_MIN_WORDS = 6
# Clock times and dates, in any of the languages: 18:00, 9.30, 6 pm, 15.03.2026.
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?[ap]\.?m\b\.?|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven to fifteen digits with the separators phone numbers are written with.
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ \t().-]{0,2}\d){6,14}(?!\w)")
# Phone numbers compare by their last nine digits, so that +7 495 … and 8 495 …,
# +358 40 … and 040 … are one number each.
_PHONE_DIGITS = 9
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}")
_ORDER_NUMBER = re.compile(r"\s*(?:№|#|no\.?|nro\.?|n:o|номер)?\s*([A-ZА-Я]{0,3}-?\d[\d-]{2,}\d)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?:№|#)\s*(\d{3,})")
# Quoted words are the customer's, not the reply's own tone.
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|”[^”]*”|\"[^\"]*\"")
_POSITIVE_OR_QUESTION = ("positive_thanks", "neutral_question")


@dataclass(frozen=True)
class Finding:
    rule: str
    start: int
    end: int
    excerpt: str
    suggestion: str


@dataclass(frozen=True)
class Context:
    """What the checker knows besides the text: the review answered, earlier replies, the team's config."""

    book: RuleBook
    config: Config
    name: str | None = None  # the author's first name, when the profile shows a real one
    review_text: str | None = None
    situation: Situation | None = None
    length_limit: int | None = None
    # How many earlier replies used each sentence (normalised).
    used_sentences: Counter = field(default_factory=Counter)


def review_context(book: RuleBook, config: Config, review: ReviewFacts | None, earlier: list[str]) -> Context:
    used = Counter()
    for reply in earlier:
        used.update({_normal_sentence(reply[s:e], book.stemmer)[0] for s, e in sentences(reply)})
    if review is None:
        return Context(book, config, used_sentences=used)
    names, not_names = every_name(config.replies.rules)
    return Context(
        book,
        config,
        name=first_name(review.author, names, not_names),
        review_text=review.text,
        situation=recognise(review.text, book, review.polarity),
        length_limit=config.replies.length_limit(review.source_id, review.source_type, review.channel),
        used_sentences=used,
    )


def check_reply(
    text: str, language: str, *, config: Config, store: Store | None = None, review_id: int | None = None, model=None
) -> list[Finding]:
    """Findings for a reply in `language`; with `review_id` (and `store`) also those that need the review.

    `model` (a sentiment.model.SentimentModel) scores the reply's tone; None skips that check.
    """
    if review_id is not None and store is None:
        raise ValueError("checking a reply to a review needs the store")
    book = rule_book(language, config.replies.rules.get(language))
    review = load_review(store, review_id) if review_id is not None else None
    earlier = earlier_replies(store, review_id) if store is not None else []
    return findings(text, review_context(book, config, review, earlier), model)


def findings(text: str, context: Context, model=None) -> list[Finding]:
    text_words = words(text, context.book.stemmer)
    spans = sentences(text)
    found = [
        *_opening(text, text_words, spans, context),
        *_phrases(text, text_words, context.book),
        *_next_step(text, text_words, context),
        *_exclamations(text, spans, context.book),
        *_tone(text, context, model),
        *_repeated(text, spans, context),
        *_length(text, context),
        *_personal_data(text, text_words, context),
    ]
    return sorted(found, key=lambda f: (f.start, RULES.index(f.rule)))


def _finding(text: str, rule: str, start: int, end: int, suggestion: str, **fields) -> Finding:
    excerpt = text[start:end]
    if len(excerpt) > _EXCERPT:
        excerpt = excerpt[: _EXCERPT - 1] + "…"
    values = {"name": "", "limit": "", "count": "", **fields}
    return Finding(rule, start, end, excerpt, suggestion.format(**values))


def _marker_spans(book: RuleBook, marker: str, text_words: Words) -> list[tuple[int, int]]:
    return sorted(span for phrase in book.markers[marker] for span in find(phrase, text_words))


def _opening(text: str, text_words: Words, spans: list[tuple[int, int]], context: Context) -> list[Finding]:
    """greeting, name and apology_first: how the reply begins."""
    if not spans:
        return []
    book, name = context.book, context.name
    name_stem = stem(name, book.stemmer) if name else None
    greetings = _marker_spans(book, "greetings", text_words)

    def in_sentence(span):
        return [w for w in text_words if span[0] <= w.start < span[1]]

    def is_name(word: Word) -> bool:
        return name_stem is not None and same_stem(word.stem, name_stem)

    def content(sentence_words: list[Word]) -> list[Word]:
        """The words that are neither the greeting nor the name."""
        return [w for w in sentence_words if not is_name(w) and not any(s <= w.start < e for s, e in greetings)]

    first = spans[0]
    first_words = in_sentence(first)
    found = []
    greeting_here = [g for g in greetings if first[0] <= g[0] < first[1]]
    starts_with_name = bool(first_words) and is_name(first_words[0])
    # The opening: the first sentence, and the next one when the first holds only a greeting ("Здравствуйте!").
    opening = spans[:2] if not content(first_words) else spans[:1]
    if not greeting_here and not starts_with_name:
        found.append(_finding(text, "greeting", *first, book.suggestions["greeting"]))
    elif name and not any(is_name(w) for span in opening for w in in_sentence(span)):
        found.append(_finding(text, "name", *greeting_here[0], book.suggestions["name"], name=name))
    lead = next((c for span in spans if (c := content(in_sentence(span)))), [])[:_OPENING_WORDS]
    apology = next(
        (span for span in _marker_spans(book, "apologies", text_words) if any(w.start == span[0] for w in lead)), None
    )
    if apology:
        found.append(_finding(text, "apology_first", *apology, book.suggestions["apology_first"]))
    return found


def _phrases(text: str, text_words: Words, book: RuleBook) -> list[Finding]:
    """stock_phrase, avoid_word, blame, lecturing and the tone phrases.

    Overlapping matches of one rule make one span; of another rule, the first and longest wins.
    """
    hits = sorted(
        ((start, end, rule, phrase) for rule in PHRASE_RULES for phrase in book.phrases[rule]
         for start, end in find(phrase, text_words)),
        key=lambda hit: (hit[0], hit[0] - hit[1], PHRASE_RULES.index(hit[2])),
    )
    kept: list[list] = []
    for start, end, rule, phrase in hits:
        if kept and start < kept[-1][1]:
            if rule == kept[-1][2]:
                kept[-1][1] = max(kept[-1][1], end)
            continue
        kept.append([start, end, rule, phrase.suggestion or book.suggestions[rule]])
    return [_finding(text, rule, start, end, suggestion) for start, end, rule, suggestion in kept]


def _next_step(text: str, text_words: Words, context: Context) -> list[Finding]:
    """A reply to a complaint says what will be done and by when (thanks and answers to questions need not)."""
    if context.situation and context.situation.key in _POSITIVE_OR_QUESTION:
        return []
    book = context.book
    steps = _marker_spans(book, "next_steps", text_words)
    has_time = bool(_marker_spans(book, "times", text_words)) or bool(_CLOCK.search(text))
    if steps and has_time:
        return []
    if steps:
        return [_finding(text, "next_step", *steps[0], book.suggestions["next_time"])]
    return [_finding(text, "next_step", 0, len(text), book.suggestions["next_step"])]


def _exclamations(text: str, spans: list[tuple[int, int]], book: RuleBook) -> list[Finding]:
    """Every exclamation mark after the first, as the sentence it closes."""
    marks = list(re.finditer(r"!+", text))
    if sum(len(m.group()) for m in marks) <= 1:
        return []
    found = []
    for index, mark in enumerate(marks):
        if index == 0 and len(mark.group()) == 1:
            continue
        start = max((s for s, _ in spans if s <= mark.start()), default=0)
        found.append(_finding(text, "exclamations", start, mark.end(), book.suggestions["exclamations"]))
    return found


def _tone(text: str, context: Context, model) -> list[Finding]:
    """The sentiment model's verdict on the reply's own words (quotes of the customer left out)."""
    if model is None:
        return []
    own_words = _QUOTED.sub(" ", text)
    [score] = model.score([own_words])
    if score.label == "negative" and score.probabilities[0] >= context.config.replies.hostile_threshold:
        return [_finding(text, "tone", 0, len(text), context.book.suggestions["tone"])]
    return []


def _normal_sentence(text: str, stemmer: str) -> tuple[str, int]:
    found = words(text, stemmer)
    return " ".join(w.lower for w in found), len(found)


def _repeated(text: str, spans: list[tuple[int, int]], context: Context) -> list[Finding]:
    """Sentences already used in `reuse_limit` earlier replies (the company's contact line may recur)."""
    used = context.used_sentences
    if not used:
        return []
    stemmer, contact = context.book.stemmer, context.config.company.contact
    found = []
    for start, end in spans:
        sentence = text[start:end]
        normal, count = _normal_sentence(sentence, stemmer)
        if count < _REPEATED_MIN_WORDS or _mentions_contact(sentence, contact):
            continue
        if used[normal] >= context.config.replies.reuse_limit:
            found.append(_finding(text, "repeated", start, end, context.book.suggestions["repeated"], count=used[normal]))
    return found


def _mentions_contact(sentence: str, contact: Contact) -> bool:
    return any(value and value.lower() in sentence.lower() for value in (contact.phone, contact.email, contact.messenger))


def _length(text: str, context: Context) -> list[Finding]:
    limit = context.length_limit
    if limit is None or len(text) <= limit:
        return []
    return [_finding(text, "length", limit, len(text), context.book.suggestions["length"], limit=limit)]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _personal_data(text: str, text_words: Words, context: Context) -> list[Finding]:
    """Phone numbers, e-mails and order numbers that are neither the author's (in the review) nor the company's."""
    review = context.review_text or ""
    contact = context.config.company.contact
    own_digits = set(re.findall(r"\d+", review)) | {_digits(m.group()) for m in _PHONE.finditer(review)}
    if contact.phone:
        own_digits.add(_digits(contact.phone))
    own_emails = {m.group().lower() for m in _EMAIL.finditer(review)} | {(contact.email or "").lower()}
    own_phones = {d[-_PHONE_DIGITS:] for d in own_digits if len(d) >= 7}

    suggestion = context.book.suggestions["personal_data"]
    found, taken = [], []
    for start, end in _order_number_spans(text, text_words, context.book):
        if _digits(text[start:end]) not in own_digits:
            found.append(_finding(text, "personal_data", start, end, suggestion))
        taken.append((start, end))
    for match in _EMAIL.finditer(text):
        if match.group().lower() not in own_emails:
            found.append(_finding(text, "personal_data", match.start(), match.end(), suggestion))
        taken.append(match.span())
    for match in _PHONE.finditer(text):
        overlaps = any(s < match.end() and match.start() < e for s, e in taken)
        if overlaps or _DATE.fullmatch(match.group()):
            continue
        if _digits(match.group())[-_PHONE_DIGITS:] not in own_phones:
            found.append(_finding(text, "personal_data", match.start(), match.end(), suggestion))
    return found


def _order_number_spans(text: str, text_words: Words, book: RuleBook) -> list[tuple[int, int]]:
    spans = []
    for _, end in _marker_spans(book, "order_words", text_words):
        number = _ORDER_NUMBER.match(text, end)
        if number:
            spans.append(number.span(1))
    spans += [m.span(1) for m in _BARE_NUMBER.finditer(text)]
    return sorted(set(spans))
