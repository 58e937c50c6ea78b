"""Reply drafts: a template of the review's situation and language, filled with the author's
name, the customer's own words for the subject and the company's private contact.

Drafts for one source take turns through the situation's templates, and the
last one per source is remembered (table reply_drafts), so two consecutive
drafts for a source never read the same. A draft must pass the checker: the
customer's words are quoted only when the draft stays free of findings with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from reputation import schema
from reputation.config import Config
from reputation.database import writing
from reputation.replies.checker import findings, review_context
from reputation.replies.reviews import earlier_replies, load_review, reply_language
from reputation.replies.rules import CONTACT_KINDS, RuleBook, rule_book
from reputation.store import Store, utcnow


@dataclass(frozen=True)
class Draft:
    text: str
    situation: str
    language: str
    author_name: str | None  # the name greeted, or None for a nickname
    subject: str | None  # the customer's words quoted, or None when the draft names the subject in general words
    template: int


def contact_phrase(book: RuleBook, config: Config) -> str:
    """The company's private channels in the language's words: "по телефону … или по почте …"."""
    contact = config.company.contact
    parts = [book.contact[kind].format(**{kind: value}) for kind in CONTACT_KINDS if (value := getattr(contact, kind))]
    if not parts:
        return book.contact["none"]
    return ", ".join(parts[:-1]) + book.contact["or"] + parts[-1] if len(parts) > 1 else parts[0]


def _render(book: RuleBook, config: Config, situation: str, index: int, name: str | None, quote: str | None) -> str:
    drafts = book.drafts[situation]
    greetings = book.greetings_named if name else book.greetings_plain
    about = drafts.about_quote.format(quote=book.quote.format(text=quote)) if quote else drafts.about
    return drafts.templates[index].format(
        greeting=greetings[index % len(greetings)].format(name=name),
        about=about,
        contact=contact_phrase(book, config),
        company=config.company.name,
    )


def draft_for_review(store: Store, config: Config, review_id: int, now: datetime | None = None) -> Draft:
    """A draft reply to the review, in its language; raises LookupError for an unknown review."""
    review = load_review(store, review_id)
    language = reply_language(review, config)
    book = rule_book(language, config.replies.rules.get(language))
    context = review_context(book, config, review, earlier_replies(store, review_id))
    situation, quote = context.situation.key, context.situation.quote
    count = len(book.drafts[situation].templates)
    drafts = schema.reply_drafts
    with writing(store.engine) as db:
        last = db.execute(select(drafts.c.template, drafts.c.text).where(drafts.c.source_id == review.source_id)).first()
        start = (last.template + 1) % count if last else 0
        candidates = [
            (index, subject, _render(book, config, situation, index, context.name, subject))
            for index in [(start + step) % count for step in range(count)]
            for subject in ([quote, None] if quote else [None])
        ]
        fresh = [c for c in candidates if last is None or c[2] != last.text] or candidates
        index, subject, text = next((c for c in fresh if not findings(c[2], context)), fresh[0])
        values = dict(
            review_id=review.id, situation=situation, template=index, text=text, created_at=now or utcnow()
        )
        insert = (postgresql if db.dialect.name == "postgresql" else sqlite).insert(drafts)
        db.execute(
            insert.values(source_id=review.source_id, **values).on_conflict_do_update(
                index_elements=[drafts.c.source_id], set_=values
            )
        )
    return Draft(text, situation, language, context.name, subject, index)
