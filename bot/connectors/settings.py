"""The messaging channels' settings: which variables turn each on, and what each connector is given.

bot.settings parses them (one place reads the environment); the connectors and the launcher use them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Each messaging channel's variables: those that turn it on (all required together), then optional ones.
CHANNEL_VARIABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "slack": (("SLACK_TOKEN", "SLACK_SIGNING_SECRET"), ("SLACK_CHANNEL",)),
    "telegram": (("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_BOT_NAME"), ("TELEGRAM_SECRET_TOKEN",)),
    "facebook": (("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"), ()),
    "twilio": (("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER"), ()),
}
CHANNEL_SETTING_NAMES = tuple(
    name for group in CHANNEL_VARIABLES.values() for names in group for name in names
)


@dataclass(frozen=True)
class SlackSettings:
    token: str
    signing_secret: str
    channel: str | None


@dataclass(frozen=True)
class TelegramSettings:
    access_token: str
    bot_name: str
    secret_token: str | None  # derived from SECRET_KEY when unset


@dataclass(frozen=True)
class FacebookSettings:
    verify_token: str
    app_secret: str
    page_access_token: str


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    number: str


@dataclass(frozen=True)
class ChannelSettings:
    """Messaging channels beyond rest and socket.io; each is on when its variables are set."""

    slack: SlackSettings | None = None
    telegram: TelegramSettings | None = None
    facebook: FacebookSettings | None = None
    twilio: TwilioSettings | None = None

    def enabled(self) -> list[str]:
        return [name for name in ("slack", "telegram", "facebook", "twilio") if getattr(self, name)]
