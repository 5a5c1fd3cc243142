"""The key that signs conversation tokens, sessions, the socket.io sessions and derived secrets.

SECRET_KEY when it is set (production refuses to start without it); in development, one generated
once into `var/secret_key`, so every process of this checkout signs with the same key.
"""

from __future__ import annotations

import secrets

from bot.settings import VAR_DIR, Settings

GENERATED = VAR_DIR / "secret_key"


def secret_key(settings: Settings) -> str:
    """The configured key, or in development one generated once into `var/`."""
    if settings.secret_key:
        return settings.secret_key
    if not GENERATED.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        GENERATED.write_text(secrets.token_urlsafe(48))
        GENERATED.chmod(0o600)
    return GENERATED.read_text().strip()
