"""Test-only entry hook: with FAKE_PROVIDERS_URL set, provider APIs are called on the test's fake.

None of Rasa's connectors takes a base URL, and Telegram's calls setWebhook as Rasa starts, so the
end-to-end stack puts this folder on PYTHONPATH: Python imports `sitecustomize` at start-up in every
process of the stack, and this rewrites the providers' hosts to the fake in the two HTTP libraries
their SDKs use (aiohttp: aiogram, slack_sdk; requests: fbmessenger, twilio). Nothing else changes.
"""

from __future__ import annotations

import os

FAKE = os.environ.get("FAKE_PROVIDERS_URL", "").rstrip("/")
HOSTS = {
    "https://api.telegram.org/": "telegram/",
    "https://slack.com/api/": "slack/",
    "https://www.slack.com/api/": "slack/",
    "https://graph.facebook.com/": "facebook/",
    "https://api.twilio.com/": "twilio/",
}


def to_fake(url: str) -> str:
    for real, prefix in HOSTS.items():
        if url.startswith(real):
            return f"{FAKE}/{prefix}{url[len(real) :]}"
    return url


def _install() -> None:
    import aiohttp
    import requests

    real_request = aiohttp.ClientSession._request

    async def _request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        return await real_request(self, method, to_fake(str(url)), *args, **kwargs)

    aiohttp.ClientSession._request = _request

    real_send = requests.Session.send

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        request.url = to_fake(request.url)
        return real_send(self, request, **kwargs)

    requests.Session.send = send


if FAKE:
    _install()
