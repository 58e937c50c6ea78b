"""`reputation users …` and `reputation dashboard`, registered in reputation.cli."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reputation.config import CONFIG_ENV, load_config
from reputation.users import MIN_PASSWORD, ROLES, UserError, add_user, list_users, set_disabled

APP = Path(__file__).with_name("app.py")


@click.group("users")
def users_group() -> None:
    """The dashboard's users and their roles (viewer, responder, admin)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_obj
def users_add(context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user; the password is asked twice (or read from stdin) and kept only as an argon2 hash."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {name} (at least {MIN_PASSWORD} characters)", hide_input=True, confirmation_prompt=True
        )
    store = context.store()
    try:
        add_user(store, name, password, role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"Added {name} ({role}).")


@users_group.command("list")
@click.pass_obj
def users_list(context) -> None:
    """List the users, their roles and whether they may log in."""
    config, _, store = context.load()
    try:
        users = list_users(store)
    finally:
        store.close()
    click.echo(f"{'name':<24} {'role':<10} {'state':<9} created")
    for user in users:
        created = user.created_at.astimezone(config.company.zone).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{user.name:<24} {user.role:<10} {'disabled' if user.disabled else 'active':<9} {created}")


@users_group.command("disable")
@click.argument("name")
@click.pass_obj
def users_disable(context, name: str) -> None:
    """Stop a user from logging in (open sessions end at their next click)."""
    store = context.store()
    try:
        set_disabled(store, name, True)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"Disabled {name}.")


@click.command("dashboard")
@click.option("--host", help="Address to listen on (default: dashboard.host in the config).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: dashboard.port in the config).")
@click.pass_obj
def dashboard_command(context, host: str | None, port: int | None) -> None:
    """Start the Streamlit dashboard (login required; add users with `reputation users add`)."""
    config, path = load_config(context.config_path)
    context.store().close()  # migrate before the app starts, and fail here on a bad database URL
    env = {**os.environ, CONFIG_ENV: str(path.resolve())}
    args = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host or config.dashboard.host,
        "--server.port", str(port or config.dashboard.port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]
    click.echo(f"Dashboard on http://{host or config.dashboard.host}:{port or config.dashboard.port}", err=True)
    os.execve(sys.executable, args, env)
