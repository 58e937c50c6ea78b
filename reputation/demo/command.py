"""`reputation demo` (registered on the `reputation` command in reputation/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reputation.config import ConfigError


@click.command("demo")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=Path("reputation-demo"),
              show_default=True, help="Where the demo keeps its config, database, e-mails and logs; reused on the next start.")
@click.option("--port-base", type=click.IntRange(1024, 65533), default=8501, show_default=True,
              help="The dashboard's port; the demo sources use the next one, the SMTP sink the one after.")
@click.option("--model", default="bundled", show_default=True,
              help="The sentiment model: the bundled one, a local model folder or a Hugging Face id.")
def demo_command(folder: Path, port_base: int, model: str) -> None:
    """Run the whole product live on this machine, for a fictional café chain: no internet, no accounts, no setup.

    Local look-alikes of a review site, a map service, VK, Telegram, the App Store
    and a news feed get new reviews and posts every few seconds to minutes; the
    service crawls, scores and alerts (e-mails land as .eml files in the folder);
    the dashboard shows it all. A week of history is loaded on the first start.
    Ctrl-C stops everything; starting again continues with the same data.
    """
    from reputation.demo.runner import DemoError, run_demo

    try:
        status = run_demo(folder, port_base, model=model, echo=click.echo)
    except (DemoError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(status)
