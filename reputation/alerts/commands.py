"""`reputation alerts send` and `reputation alerts list`, registered in reputation.cli."""

from __future__ import annotations

import sys

import click

from reputation.alerts.content import one_line, shown
from reputation.alerts.outbox import check_escalations, deliver_pending, outbox_counts, recent_messages


@click.group("alerts")
def alerts_group() -> None:
    """E-mail alerts: the outbox and its delivery (the service sends them every minute)."""


@alerts_group.command("send")
@click.pass_obj
def alerts_send(context) -> None:
    """Queue the escalations that are due and send every due message now.

    Exits 1 when messages are left failing (see `reputation alerts list` for why).
    """
    config, _, store = context.load()
    try:
        if not config.alerts.enabled:
            raise click.ClickException("alerts are disabled; set alerts.enabled: true in the config to send them")
        escalated = check_escalations(store, config)
        sent = deliver_pending(store, config)
        counts = outbox_counts(store)
    finally:
        store.close()
    click.echo(
        f"Sent {sent} messages ({escalated} new escalations); "
        f"{counts['pending']} pending, {counts['failing']} failing (retried with backoff)."
    )
    if counts["failing"]:
        sys.exit(1)


@alerts_group.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many recent messages to show.")
@click.pass_obj
def alerts_list(context, limit: int) -> None:
    """Count the outbox's messages by status and show the most recent ones."""
    config, _, store = context.load()
    try:
        counts = outbox_counts(store)
        rows = recent_messages(store, limit)
    finally:
        store.close()
    zone = config.company.zone
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))
    if not rows:
        return
    click.echo(f"{'id':>6} {'kind':<12} {'status':<9} {'queued':<20} {'tries':>5}  subject")
    for row in rows:
        click.echo(
            f"{row.id:>6} {row.kind:<12} {row.status:<9} {shown(row.created_at, zone):<20} {row.attempts:>5}  "
            f"{one_line(row.subject, 70)}"
        )
        if row.status == "failing":
            click.echo(f"{'':>6} next try {shown(row.next_attempt_at, zone)}: {one_line(row.last_error, 150)}")
