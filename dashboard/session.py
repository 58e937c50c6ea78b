"""The app's config and store, the login, and who is logged in.

No page and no data is shown before login. A login opens a session in the
database (`dashboard_sessions`) whose token the browser keeps in a cookie, so a
reload keeps it; it ends after `dashboard.session_ttl`, on logout, or when the
user is disabled. The user's role is read from the database at every run, so a
change of role applies at the next click.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import queries
from dashboard.safe import md
from reputation.config import CONFIG_ENV, DEFAULT_CONFIG_FILE, Config, ConfigError, load_config
from reputation.store import Store, open_store, utcnow
from reputation.users import LoginError, User, authenticate, close_session, open_session, session_user

COOKIE = "reputation_session"
_LOGIN = "auth"
_NOTICE = "login_notice"
_COOKIE_UPDATE = "cookie_update"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class App:
    config: Config
    config_path: Path
    store: Store


def _config_path() -> str | None:
    """`streamlit run app.py -- --config FILE`, else $REPUTATION_CONFIG, else ./reputation.yaml."""
    args = sys.argv[1:]
    if "--config" in args[:-1]:
        return args[args.index("--config") + 1]
    return os.environ.get(CONFIG_ENV)


@st.cache_resource(show_spinner=False)
def _open(path: str, modified: float) -> App:
    config, config_path = load_config(path)
    return App(config, config_path, open_store(config, config_path))


def app() -> App:
    """The config and the store, opened once per process (again when the config file changes).

    A config mistake shows its one-line message and stops the page.
    """
    path = Path(_config_path() or DEFAULT_CONFIG_FILE).resolve()
    try:
        return _open(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except ConfigError as exc:
        st.error(md(f"error: {exc}"))
        st.stop()


@st.cache_resource(show_spinner="Loading the sentiment model for the tone check…")
def _sentiment_models(_config: Config, key: str):
    """`key` (the sentiment settings as JSON) is what the cache hashes: the config itself is not hashable."""
    from sentiment.loading import Models  # torch: loaded at the first check, not with every page

    return Models(_config.sentiment)


def tone_model(ctx: App, language: str):
    """The sentiment model for the reply checker's tone rule (loaded once per process), or None and why not."""
    from sentiment.model import ModelLoadError

    try:
        return _sentiment_models(ctx.config, ctx.config.sentiment.model_dump_json()).for_language(language), None
    except ModelLoadError as exc:
        return None, f"Tone not checked: {exc}"


@st.cache_data(ttl=300, show_spinner=False)
def _choices(_engine, url: str) -> dict[str, list[str]]:
    return queries.choices(_engine)


def filter_choices(ctx: App) -> dict[str, list[str]]:
    """The sources, channels and languages the filters offer (a scan of all reviews: kept five minutes)."""
    return _choices(ctx.store.engine, str(ctx.store.engine.url))


def current_user(ctx: App) -> User | None:
    """The logged-in user, or None (never logged in, expired, logged out or disabled).

    A reload of the page starts a new Streamlit session: the login comes back from the session
    cookie, as long as its session in the database has not expired.
    """
    login = st.session_state.get(_LOGIN)
    if not login:
        token = st.context.cookies.get(COOKIE)
        # A string only when a browser sent it (AppTest has no browser, and mocks the cookies).
        if not (isinstance(token, str) and token):
            return None
        login = {"token": token}
    # Checked at every run: a session expires, ends on logout in another tab, or with its user disabled.
    found = session_user(ctx.store, login["token"])
    if found is None or utcnow() - found[1] > ctx.config.dashboard.session_ttl:
        logout(ctx, "Your session has ended; log in again. / Сеанс завершён, войдите снова." if login.get("name") else None)
        return None
    user, _ = found
    st.session_state[_LOGIN] = {"name": user.name, "token": login["token"]}
    return user


def logout(ctx: App, notice: str | None = None) -> None:
    login = st.session_state.get(_LOGIN) or {}
    if login.get("token"):
        close_session(ctx.store, login["token"])
    st.session_state.clear()
    st.session_state[_COOKIE_UPDATE] = ("", 0)
    if notice:
        st.session_state[_NOTICE] = notice


def write_cookie() -> None:
    """Set (after login) or clear (after logout) the browser's session cookie, once."""
    if update := st.session_state.pop(_COOKIE_UPDATE, None):
        token, max_age = update
        if not _TOKEN.match(token):
            raise ValueError("a session token is letters, digits, - and _ only")
        st.html(
            f'<script>document.cookie = "{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict";</script>',
            unsafe_allow_javascript=True,
        )


def login_page() -> None:
    ctx = app()
    st.title("Reputation monitor")
    st.caption("Log in / Вход / Kirjaudu sisään")
    if notice := st.session_state.pop(_NOTICE, None):
        st.info(notice)
    with st.form("login_form"):
        name = st.text_input("Name / Имя", key="login_name")
        password = st.text_input("Password / Пароль", type="password", key="login_password")
        submitted = st.form_submit_button("Log in / Войти")
    if submitted:
        try:
            user = authenticate(ctx.store, name.strip(), password)
        except LoginError as exc:
            st.error(str(exc))
        else:
            ttl = ctx.config.dashboard.session_ttl
            token = open_session(ctx.store, user.name, ttl)
            st.session_state[_LOGIN] = {"name": user.name, "token": token}
            st.session_state[_COOKIE_UPDATE] = (token, int(ttl.total_seconds()))
            st.rerun()
    write_cookie()  # last, as in app.py
