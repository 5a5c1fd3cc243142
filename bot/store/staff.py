"""Staff users, API keys and access events. Functions take a session and never commit."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot.store.requests import StoreError
from bot.store.schema import (
    AccessEvent,
    ApiKey,
    AppointmentRequest,
    LoginFailure,
    StaffSessionRecord,
    StaffUser,
    utcnow,
)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
API_KEY_PREFIX = "prk_"


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def get_user(session: Session, username: str) -> StaffUser | None:
    return session.execute(
        select(StaffUser).where(StaffUser.username == username.strip().lower())
    ).scalar_one_or_none()


def create_user(session: Session, username: str, password_hash: str) -> StaffUser:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise StoreError("a username is 2-80 characters: letters, digits, '.', '_' or '-'")
    if get_user(session, name):
        raise StoreError(f"user '{name}' already exists")
    user = StaffUser(username=name, password_hash=password_hash, disabled=False, session_epoch=0)
    session.add(user)
    session.flush()
    return user


def disable_user(session: Session, username: str) -> StaffUser:
    """Disable a user and end all of their sessions at once."""
    user = get_user(session, username)
    if user is None:
        raise StoreError(f"no user '{username}'")
    user.disabled = True
    user.session_epoch += 1
    session.execute(delete(StaffSessionRecord).where(StaffSessionRecord.user_id == user.id))
    session.flush()
    return user


def start_session(
    session: Session, user: StaffUser, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> str:
    """A new session for `user`: the random token for the cookie (only its hash is stored). Sessions
    past either limit are deleted on the way, so the table holds live sessions only."""
    moment = now or utcnow()
    session.execute(
        delete(StaffSessionRecord).where(
            or_(
                StaffSessionRecord.last_seen_at < moment - idle,
                StaffSessionRecord.created_at < moment - lifetime,
            )
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSessionRecord(
            token_hash=_key_hash(token), user_id=user.id, created_at=moment, last_seen_at=moment
        )
    )
    session.flush()
    return token


def live_session(
    session: Session,
    token: str,
    idle: timedelta,
    lifetime: timedelta,
    now: datetime | None = None,
    touch: bool = True,
) -> tuple[StaffSessionRecord, StaffUser] | None:
    """The session a token opens and its user, marked as used now unless `touch` is False (a page
    polling by itself is no sign of a person); None when it was never issued, was ended, idled past
    `idle`, is older than `lifetime`, or its user is disabled."""
    moment = now or utcnow()
    found = session.get(StaffSessionRecord, _key_hash(token))
    if found is None or moment - found.last_seen_at > idle or moment - found.created_at > lifetime:
        return None
    user = session.get(StaffUser, found.user_id)
    if user is None or user.disabled:
        return None
    if touch:
        found.last_seen_at = moment
        session.flush()
    return found, user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSessionRecord).where(StaffSessionRecord.token_hash == _key_hash(token)))


def record_login_failure(session: Session, username: str, client: str, window: timedelta) -> None:
    """Count one failed login; failures older than `window` are forgotten on the way."""
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.created_at < now - window))
    session.add(LoginFailure(username=username[:80], client=client[:64], created_at=now))
    session.flush()


def login_failures(session: Session, username: str, window: timedelta, client: str | None = None) -> int:
    """Failed logins for an account within `window`: from one client, or from all when `client` is None."""
    query = select(func.count(LoginFailure.id)).where(
        LoginFailure.username == username[:80], LoginFailure.created_at >= utcnow() - window
    )
    if client is not None:
        query = query.where(LoginFailure.client == client[:64])
    return session.execute(query).scalar_one()


def clear_login_failures(session: Session, username: str, client: str, window: timedelta) -> None:
    """A right password from this client ends the count against it (not other clients' counts);
    failures older than `window` are forgotten on the way, so no typed username outlives it for long."""
    session.execute(
        delete(LoginFailure).where(
            or_(
                (LoginFailure.username == username[:80]) & (LoginFailure.client == client[:64]),
                LoginFailure.created_at < utcnow() - window,
            )
        )
    )


def create_api_key(session: Session, name: str) -> str:
    """A new key for an integrator; the plain key is returned once and only its hash is stored."""
    label = name.strip()
    if not label or len(label) > 80:
        raise StoreError("an API key needs a name of 1-80 characters")
    if session.execute(select(ApiKey).where(ApiKey.name == label)).scalar_one_or_none():
        raise StoreError(f"an API key named '{label}' already exists")
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(name=label, key_hash=_key_hash(key)))
    session.flush()
    return key


def revoke_api_key(session: Session, name: str) -> None:
    key = session.execute(select(ApiKey).where(ApiKey.name == name.strip())).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        raise StoreError(f"no active API key named '{name}'")
    key.revoked_at = utcnow()
    session.flush()


def api_key_name(session: Session, key: str) -> str | None:
    """The name of the live API key `key` is, or None (unknown or revoked)."""
    found = session.execute(
        select(ApiKey).where(ApiKey.key_hash == _key_hash(key or ""))
    ).scalar_one_or_none()
    return found.name if found is not None and found.revoked_at is None else None


def api_key_is_valid(session: Session, key: str) -> bool:
    return api_key_name(session, key) is not None


def record_access(
    session: Session,
    actor: str,
    action: str,
    request: AppointmentRequest | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AccessEvent(actor=actor, action=action, request_id=request.id if request else None, detail=detail)
    )
    session.flush()


def access_events(session: Session, request: AppointmentRequest) -> list[AccessEvent]:
    return list(
        session.execute(
            select(AccessEvent).where(AccessEvent.request_id == request.id).order_by(AccessEvent.id)
        ).scalars()
    )
