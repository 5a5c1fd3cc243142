"""`python -m bot.web`: serve bot.web with uvicorn on WEB_HOST:WEB_PORT."""

from __future__ import annotations

import sys

import uvicorn

from bot.ops.log_privacy import uvicorn_log_config
from bot.settings import SettingsError, get_settings
from bot.web.app import create_app


def main() -> int:
    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        log_level="info",
        log_config=uvicorn_log_config(),  # the access log without query strings (staff searches)
        proxy_headers=False,
        server_header=False,
        ws="none",  # Rasa pins an old websockets that uvicorn's auto-detection cannot use; no WS here
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
