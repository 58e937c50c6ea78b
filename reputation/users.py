"""The dashboard's users: argon2 password hashes, roles, and throttled logins.

Roles grow: a viewer reads, a responder also works the inbox, an admin also
manages sources and users. Failed logins are counted per name in the database
(so a restart or a second dashboard process does not reset them); after
`FREE_FAILURES` in a row each further failure locks the name for twice as
long as the one before, up to `MAX_LOCK`. Unknown names are throttled the same
way and get the same answer, so the login form does not tell which names exist.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update

from reputation import schema
from reputation.database import writing
from reputation.store import Store, utcnow

ROLES = ("viewer", "responder", "admin")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"
MIN_PASSWORD = 8
FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)

WRONG_LOGIN = "Wrong name or password. / Неверное имя или пароль."

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user could not be added or changed; the message says why."""


class LoginError(Exception):
    """A login refused; the message is what the login form shows."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool = False
    created_at: datetime | None = None

    def may(self, role: str) -> bool:
        """Whether this user has `role` or a higher one."""
        return not self.disabled and ROLES.index(self.role) >= ROLES.index(role)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")


def _audit(db, now: datetime, by: str | None, action: str, detail: str) -> None:
    db.execute(insert(schema.audit_log).values(at=now, user_name=by, action=action, detail=detail))


def add_user(store: Store, name: str, password: str, role: str, *, by: str | None = None, now: datetime | None = None) -> User:
    if not re.match(NAME_PATTERN, name or ""):
        raise UserError(f"user name {name!r}: use 1-64 letters, digits and _.@- (starting with a letter or digit)")
    _check_role(role)
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    now = now or utcnow()
    users = schema.users
    with writing(store.engine) as db:
        if db.scalar(select(users.c.id).where(users.c.name == name)) is not None:
            raise UserError(f"user {name!r} already exists")
        db.execute(
            insert(users).values(name=name, password_hash=_hasher.hash(password), role=role, disabled=False, created_at=now)
        )
        _audit(db, now, by, "user_add", f"{name} ({role})")
    return User(name, role, False, now)


def list_users(store: Store) -> list[User]:
    users = schema.users
    with store.engine.connect() as db:
        rows = db.execute(select(users.c.name, users.c.role, users.c.disabled, users.c.created_at).order_by(users.c.name))
        return [User(*row) for row in rows]


def get_user(store: Store, name: str) -> User | None:
    users = schema.users
    with store.engine.connect() as db:
        row = db.execute(
            select(users.c.name, users.c.role, users.c.disabled, users.c.created_at).where(users.c.name == name)
        ).first()
    return User(*row) if row else None


def set_disabled(store: Store, name: str, disabled: bool, *, by: str | None = None, now: datetime | None = None) -> None:
    now = now or utcnow()
    users = schema.users
    with writing(store.engine) as db:
        if db.execute(update(users).where(users.c.name == name).values(disabled=disabled)).rowcount == 0:
            raise UserError(f"there is no user {name!r}")
        _audit(db, now, by, "user_disable" if disabled else "user_enable", name)


def set_role(store: Store, name: str, role: str, *, by: str | None = None, now: datetime | None = None) -> None:
    _check_role(role)
    now = now or utcnow()
    users = schema.users
    with writing(store.engine) as db:
        if db.execute(update(users).where(users.c.name == name).values(role=role)).rowcount == 0:
            raise UserError(f"there is no user {name!r}")
        _audit(db, now, by, "user_role", f"{name} -> {role}")


def require(db, name: str, role: str) -> User:
    """The enabled user `name` holding at least `role`, read inside the caller's transaction; PermissionError if not."""
    users = schema.users
    row = db.execute(select(users.c.name, users.c.role, users.c.disabled).where(users.c.name == name)).first()
    user = User(*row) if row else None
    if user is None or not user.may(role):
        raise PermissionError(f"{name!r} may not do this: it needs the {role} role")
    return user


def authenticate(store: Store, name: str, password: str, now: datetime | None = None) -> User:
    """The user, if the name and password match an enabled user; LoginError otherwise (also while throttled)."""
    if not re.match(NAME_PATTERN, name or ""):
        raise LoginError(WRONG_LOGIN)
    now = now or utcnow()
    users, attempts = schema.users, schema.login_attempts
    with writing(store.engine) as db:
        record = db.execute(select(attempts).where(attempts.c.user_name == name)).first()
        if record and record.locked_until and record.locked_until > now:
            wait = int((record.locked_until - now).total_seconds()) + 1
            raise LoginError(f"Too many failed logins; try again in {wait} s. / Слишком много попыток, подождите {wait} с.")
        row = db.execute(select(users).where(users.c.name == name)).first()
        if row is not None and not row.disabled and _verify(row.password_hash, password):
            if _hasher.check_needs_rehash(row.password_hash):
                db.execute(update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password)))
            db.execute(delete(attempts).where(attempts.c.user_name == name))
            return User(row.name, row.role, False, row.created_at)
        failures = (record.failures if record else 0) + 1
        locked = now + min(FIRST_LOCK * 2 ** (failures - FREE_FAILURES - 1), MAX_LOCK) if failures > FREE_FAILURES else None
        values = dict(failures=failures, last_failure_at=now, locked_until=locked)
        if record:
            db.execute(update(attempts).where(attempts.c.user_name == name).values(**values))
        else:
            db.execute(insert(attempts).values(user_name=name, **values))
    raise LoginError(WRONG_LOGIN)


def open_session(store: Store, name: str, ttl: timedelta, now: datetime | None = None) -> str:
    """A new login session of `name` for `ttl`; returns its token (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    sessions = schema.dashboard_sessions
    with writing(store.engine) as db:
        db.execute(delete(sessions).where(sessions.c.expires_at <= now))
        db.execute(insert(sessions).values(token_hash=_token_hash(token), user_name=name, created_at=now, expires_at=now + ttl))
    return token


def session_user(store: Store, token: str, now: datetime | None = None) -> tuple[User, datetime] | None:
    """The enabled user of an unexpired session, with the session's start; None otherwise."""
    sessions, users = schema.dashboard_sessions, schema.users
    with store.engine.connect() as db:
        row = db.execute(
            select(users.c.name, users.c.role, users.c.disabled, users.c.created_at, sessions.c.created_at.label("since"))
            .join(users, users.c.name == sessions.c.user_name)
            .where(sessions.c.token_hash == _token_hash(token), sessions.c.expires_at > (now or utcnow()))
        ).first()
    if row is None or row.disabled:
        return None
    return User(row.name, row.role, False, row.created_at), row.since


def close_session(store: Store, token: str) -> None:
    sessions = schema.dashboard_sessions
    with writing(store.engine) as db:
        db.execute(delete(sessions).where(sessions.c.token_hash == _token_hash(token)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
