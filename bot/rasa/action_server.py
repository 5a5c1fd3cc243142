"""The action server: rasa_sdk's app plus a background job that drains the local request spool.

`python -m bot.rasa.action_server --port N` runs what `python -m rasa_sdk --actions actions` runs (same
app, same logging options, SANIC_HOST as the interface, auto-reload off), and in the same process
stores requests kept in the spool while the appointment database was down, once it answers again.
Only Rasa may run actions: every route but `/health` needs the shared secret Rasa sends from
endpoints.yml (a caller could otherwise run a cancel with the contact check forged as passed).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
from collections.abc import Sequence
from contextlib import suppress

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.context import unit_of_work
from bot.ops.runtime_config import action_server_token
from bot.request_service import DrainResult, drain
from bot.settings import get_settings
from bot.store.db import describe_error
from bot.store.spool import Spool

logger = logging.getLogger(__name__)

DRAIN_INTERVAL_S = 5.0
ACTIONS_PACKAGE = "actions"
TOKEN_HEADER = "X-Action-Server-Token"
OPEN_PATHS = ("/health",)


def drain_once() -> DrainResult:
    """One pass over the spool, with the engine the actions share."""
    settings = get_settings()
    return drain(Spool(settings.spool_dir), unit_of_work(), settings)


async def drain_forever(interval_s: float = DRAIN_INTERVAL_S) -> None:
    """Drain at start and then every few seconds; the database work runs off the event loop.

    Passes never overlap: a pass stuck on a database that stopped answering waits for it rather
    than piling up threads; connecting and idle dead peers are bounded by the engine's timeouts.
    """
    while True:
        try:
            await asyncio.to_thread(drain_once)
        except Exception as error:  # the job must outlive any one bad pass
            logger.error("draining the request spool failed: %s", describe_error(error))
        await asyncio.sleep(interval_s)


def attach_spool_drain(app: Sanic, interval_s: float = DRAIN_INTERVAL_S) -> None:
    state: dict[str, asyncio.Task] = {}

    @app.after_server_start
    async def start_draining(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        state["task"] = asyncio.get_running_loop().create_task(drain_forever(interval_s))

    @app.before_server_stop
    async def stop_draining(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        if task := state.pop("task", None):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


def token_is_genuine(expected: str, given: str | None) -> bool:
    """Constant-time; a non-ASCII header (which compare_digest refuses) is never the token."""
    return bool(given) and given.isascii() and hmac.compare_digest(given.encode(), expected.encode())


def require_rasa(app: Sanic, token: str) -> None:
    """Refuse every call without the shared secret before any action runs (health stays open)."""

    @app.on_request
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER)
        if token_is_genuine(token, given):
            return None
        logger.warning("refused an action server call without a valid %s header", TOKEN_HEADER)
        status = 401 if not given else 403
        return response.json({"error": f"Only Rasa may call the action server ({TOKEN_HEADER})."}, status)


def build_app(actions: str = ACTIONS_PACKAGE, cors_origins: object = None) -> Sanic:
    app = create_app(actions, cors_origins=cors_origins, auto_reload=False)
    require_rasa(app, action_server_token(get_settings()))
    logger.info("Starting plugins...")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    attach_spool_drain(app)
    return app


def parser() -> argparse.ArgumentParser:
    parsed = create_argument_parser()
    parsed.prog = "python -m bot.rasa.action_server"
    parsed.set_defaults(actions=ACTIONS_PACKAGE)
    return parsed


def main(argv: Sequence[str] | None = None) -> None:
    """rasa_sdk's `main_from_args` and `run`, with the spool drain attached to the app."""
    args = parser().parse_args(argv)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    if args.auto_reload:
        logger.warning("--auto-reload is not supported here and is ignored")

    logger.info("Starting action endpoint server...")
    app = build_app(args.actions, args.cors)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    protocol = "https" if ssl_context else "http"
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    logger.info(f"Action endpoint is up and running on {protocol}://{host}:{args.port}")
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
