"""Staff users, API keys and access events. Functions take a session and never commit."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.requests import StoreError
from bot.store.schema import AccessEvent, ApiKey, AppointmentRequest, StaffUser, utcnow

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
    session.flush()
    return user


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


def api_key_is_valid(session: Session, key: str) -> bool:
    found = session.execute(
        select(ApiKey).where(ApiKey.key_hash == _key_hash(key or ""))
    ).scalar_one_or_none()
    return found is not None and found.revoked_at is None


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
