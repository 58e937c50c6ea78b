"""`reputation reply draft` and `reputation reply check`, registered in reputation.cli."""

from __future__ import annotations

import sys

import click

from reputation.config import load_config
from reputation.replies.checker import check_reply
from reputation.replies.drafts import draft_for_review
from reputation.replies.reviews import load_review, reply_language
from reputation.replies.rules import LANGUAGES


@click.group("reply")
def reply_group() -> None:
    """Reply assistant: drafts that follow good complaint practice, and a checker for replies."""


@reply_group.command("draft")
@click.argument("review_id", type=int)
@click.pass_obj
def reply_draft(context, review_id: int) -> None:
    """Propose a reply to a review, in its language, for its situation.

    The draft goes to standard output; its situation and language to standard error.
    """
    config, _, store = context.load()
    try:
        draft = draft_for_review(store, config, review_id)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"situation: {draft.situation}; language: {draft.language}", err=True)
    click.echo(draft.text)


def _tone_model(config, language: str):
    """The configured sentiment model for the tone rule, or None (with a warning) when it cannot be loaded."""
    from sentiment.loading import Models
    from sentiment.model import ModelLoadError

    try:
        return Models(config.sentiment).for_language(language)
    except ModelLoadError as exc:
        click.echo(f"warning: tone not checked: {exc}", err=True)
        return None


@reply_group.command("check")
@click.argument("text")
@click.option("--review", "review_id", type=int, help="The review answered: its language, author and source count too.")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), help="The reply's language (default: the review's, or detected).")
@click.option("--no-tone", is_flag=True, help="Skip the tone check, which loads the sentiment model.")
@click.pass_obj
def reply_check(context, text: str, review_id: int | None, language: str | None, no_tone: bool) -> None:
    """List the findings for a reply TEXT ('-' reads it from standard input): rule, span, excerpt, suggestion.

    Exits 1 when there are findings.
    """
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise click.UsageError("the reply TEXT is empty")
    if review_id is not None:
        config, _, store = context.load()
    else:
        config, _ = load_config(context.config_path)
        store = None
    try:
        if language is None:
            language = _language(text, config, store, review_id)
        model = None if no_tone else _tone_model(config, language)
        found = check_reply(text, language, config=config, store=store, review_id=review_id, model=model)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if store is not None:
            store.close()
    for finding in found:
        click.echo(f"{finding.rule}\t{finding.start}-{finding.end}\t{finding.excerpt!r}\t{finding.suggestion}")
    if not found:
        click.echo("No findings.")
    else:
        sys.exit(1)


def _language(text: str, config, store, review_id: int | None) -> str:
    if review_id is not None:
        return reply_language(load_review(store, review_id), config)
    from sentiment.language import detect_language

    detected = detect_language(text)
    if detected not in LANGUAGES:
        raise click.UsageError(f"cannot tell the reply's language; pass --lang ({', '.join(LANGUAGES)})")
    return detected
