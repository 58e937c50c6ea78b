"""`reputation report weekly`, registered in reputation.cli."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("report")
def report_group() -> None:
    """Reports: the weekly reputation report (the service e-mails it at reports.weekday and reports.time)."""


@report_group.command("weekly")
@click.option("--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W47 (default: the last complete week, company time).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the HTML page here (default: reputation-report-<week>.html, unless --send alone).")
@click.option("--send", is_flag=True, help="E-mail the report to reports.to over the alerts' SMTP relay.")
@click.pass_obj
def report_weekly(context, week: str | None, out: Path | None, send: bool) -> None:
    """Build the weekly report: KPIs against the week before, per channel and per source, trend charts,
    themes of negative reviews and the reviews still unanswered."""
    from reputation.mailer import MailError
    from reputation.report import ReportError, build_weekly

    config, _, store = context.load()
    try:
        report = build_weekly(store, config, week)
        if out is not None or not send:
            out = out or Path(f"reputation-report-{report.week.label}.html")
            out.write_text(report.html, encoding="utf-8")
            click.echo(f"Wrote {out}.")
        if send:
            report.send()
            click.echo(f"Sent to {', '.join(config.reports.to)}.")
    except (ReportError, MailError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"{report.week.label}: " + ", ".join(f"{item['kpi'].title} {item['value']}" for item in report.context["headline"]))
