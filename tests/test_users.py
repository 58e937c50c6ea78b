from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from reputation import schema
from reputation.cli import cli
from reputation.users import (
    FREE_FAILURES,
    close_session,
    open_session,
    session_user,
    LoginError,
    UserError,
    add_user,
    authenticate,
    get_user,
    list_users,
    set_disabled,
)
from tests.dashboard_data import NOW, PASSWORD

pytestmark = pytest.mark.store


def test_a_user_logs_in_with_the_password_kept_only_as_an_argon2_hash(store):
    add_user(store, "anna", PASSWORD, "responder", now=NOW)
    with store.engine.connect() as db:
        stored = db.scalar(select(schema.users.c.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user = authenticate(store, "anna", PASSWORD, now=NOW)
    assert (user.name, user.role) == ("anna", "responder")
    assert user.may("viewer") and user.may("responder") and not user.may("admin")


def test_wrong_password_unknown_name_and_disabled_user_get_the_same_answer(store):
    add_user(store, "anna", PASSWORD, "viewer", now=NOW)
    messages = set()
    for name, password in (("anna", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(LoginError) as refused:
            authenticate(store, name, password, now=NOW)
        messages.add(str(refused.value))
    set_disabled(store, "anna", True, by="admin", now=NOW)
    with pytest.raises(LoginError) as refused:
        authenticate(store, "anna", PASSWORD, now=NOW)
    messages.add(str(refused.value))
    assert len(messages) == 1 and "Wrong name or password" in messages.pop()


def test_failed_logins_are_throttled_in_the_database_and_a_success_resets_them(store, database_url):
    add_user(store, "anna", PASSWORD, "viewer", now=NOW)
    for _ in range(FREE_FAILURES):
        with pytest.raises(LoginError, match="Wrong name"):
            authenticate(store, "anna", "guess", now=NOW)
    with pytest.raises(LoginError, match="Wrong name"):
        authenticate(store, "anna", "guess", now=NOW)
    # Locked now, even with the right password, and also for a second process on the same database.
    from reputation.store import Store

    other = Store.open(database_url)
    with pytest.raises(LoginError, match="try again in 30 s"):
        authenticate(other, "anna", PASSWORD, now=NOW + timedelta(seconds=1))
    other.close()
    # The lock doubles with each further failure.
    with pytest.raises(LoginError, match="Wrong name"):
        authenticate(store, "anna", "guess", now=NOW + timedelta(seconds=31))
    with pytest.raises(LoginError, match="try again in 60 s"):
        authenticate(store, "anna", PASSWORD, now=NOW + timedelta(seconds=32))
    assert authenticate(store, "anna", PASSWORD, now=NOW + timedelta(seconds=92)).name == "anna"
    with pytest.raises(LoginError, match="Wrong name"):
        authenticate(store, "anna", "guess", now=NOW + timedelta(seconds=93))
    assert authenticate(store, "anna", PASSWORD, now=NOW + timedelta(seconds=94)).name == "anna"


def test_bad_users_are_refused_with_a_reason_and_nothing_is_stored(store):
    with pytest.raises(UserError, match="role 'boss'"):
        add_user(store, "anna", PASSWORD, "boss")
    with pytest.raises(UserError, match="at least 8"):
        add_user(store, "anna", "short", "viewer")
    with pytest.raises(UserError, match="user name"):
        add_user(store, "an\r\nna", PASSWORD, "viewer")
    add_user(store, "anna", PASSWORD, "viewer")
    with pytest.raises(UserError, match="already exists"):
        add_user(store, "anna", PASSWORD, "admin")
    assert [(u.name, u.role) for u in list_users(store)] == [("anna", "viewer")]


def _config(tmp_path):
    path = tmp_path / "reputation.yaml"
    path.write_text(f"company: {{name: Кофемания}}\ndatabase_url: sqlite:///{tmp_path / 'r.db'}\n", encoding="utf-8")
    return str(path)


def test_users_commands_add_with_a_password_typed_twice_or_from_stdin_list_and_disable(tmp_path):
    config = _config(tmp_path)
    runner = CliRunner()
    typed = runner.invoke(cli, ["--config", config, "users", "add", "anna", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0, typed.output
    assert "Added anna (admin)" in typed.output
    mismatch = runner.invoke(cli, ["--config", config, "users", "add", "bob"], input=f"{PASSWORD}\nother password\n")
    assert mismatch.exit_code != 0
    piped = runner.invoke(cli, ["--config", config, "users", "add", "bob", "--password-stdin"], input=f"{PASSWORD}\n")
    assert piped.exit_code == 0, piped.output
    short = runner.invoke(cli, ["--config", config, "users", "add", "eve", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    disabled = runner.invoke(cli, ["--config", config, "users", "disable", "bob"])
    assert disabled.exit_code == 0, disabled.output
    listed = runner.invoke(cli, ["--config", config, "users", "list"])
    lines = listed.output.splitlines()
    assert lines[1].split()[:3] == ["anna", "admin", "active"]
    assert lines[2].split()[:3] == ["bob", "viewer", "disabled"]
    missing = runner.invoke(cli, ["--config", config, "users", "disable", "nobody"])
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output

    from reputation.config import load_config
    from reputation.store import open_store

    store = open_store(*load_config(config))
    assert get_user(store, "bob").disabled
    with pytest.raises(LoginError):
        authenticate(store, "bob", PASSWORD)
    assert authenticate(store, "anna", PASSWORD).role == "admin"
    store.close()


def test_sessions_keep_only_a_token_hash_expire_and_end_with_logout_or_disable(store):
    add_user(store, "anna", PASSWORD, "responder", now=NOW)
    token = open_session(store, "anna", timedelta(hours=1), now=NOW)
    with store.engine.connect() as db:
        assert token not in db.scalar(select(schema.dashboard_sessions.c.token_hash))
    user, since = session_user(store, token, now=NOW + timedelta(minutes=59))
    assert (user.name, user.role, since) == ("anna", "responder", NOW)
    assert session_user(store, token, now=NOW + timedelta(hours=1)) is None
    assert session_user(store, "forged", now=NOW) is None
    set_disabled(store, "anna", True, now=NOW)
    assert session_user(store, token, now=NOW) is None
    set_disabled(store, "anna", False, now=NOW)
    close_session(store, token)
    assert session_user(store, token, now=NOW) is None
