"""The integrators' read-only JSON API under /api, authenticated with API keys from the staff CLI."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.notifications.webhook_events import request_data
from bot.store.requests import RequestFilter, get_request, search_requests
from bot.store.schema import REQUEST_LANGUAGES, STATUSES
from bot.store.staff import api_key_name, record_access

MAX_PER_PAGE = 100


def _key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key", "").strip()


def _caller(request: Request) -> str | None:
    """The live API key's name, recorded as who read patient data; None without a valid key."""
    key = _key(request)
    if not key:
        return None
    with request.app.state.uow() as session:
        return api_key_name(session, key)


def _error(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{name}' must be a date like 2026-12-03") from None


async def list_requests(request: Request) -> Response:
    caller = _caller(request)
    if caller is None:
        return _error(401, "a valid API key is required (Authorization: Bearer <key>)")
    params = request.query_params
    try:
        wanted = RequestFilter(
            status=params.get("status") or None,
            date_from=_day(params.get("from"), "from"),
            date_to=_day(params.get("to"), "to"),
            language=params.get("language") or None,
        )
        page = int(params.get("page", "1"))
        per_page = int(params.get("per_page", "50"))
    except ValueError as error:
        return _error(400, str(error) if "date" in str(error) else "page and per_page must be whole numbers")
    if problems := wanted.problems():
        return _error(400, "; ".join(problems))
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        return _error(400, f"page must be 1 or more and per_page 1-{MAX_PER_PAGE}")
    with request.app.state.uow() as session:
        rows, total = search_requests(session, wanted, page=page, per_page=per_page)
        items = [request_data(row) for row in rows]
        record_access(session, f"api:{caller}", "api_listed", None, f"{len(items)} request(s); page {page}")
    return JSONResponse({"items": items, "total": total, "page": page, "per_page": per_page})


async def one_request(request: Request) -> Response:
    caller = _caller(request)
    if caller is None:
        return _error(401, "a valid API key is required (Authorization: Bearer <key>)")
    with request.app.state.uow() as session:
        found = get_request(session, request.path_params["reference"])
        if found is None:
            return _error(404, "no request with that reference")
        record_access(session, f"api:{caller}", "api_viewed", found)
        return JSONResponse(request_data(found))


REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reference": {"type": "string", "example": "PRL-7KQ3MX"},
        "kind": {"type": "string", "enum": ["appointment", "callback"]},
        "status": {"type": "string", "enum": list(STATUSES)},
        "full_name": {"type": "string", "description": "who made the request (the practice calls them)"},
        "patient_name": {
            "type": "string",
            "nullable": True,
            "description": "when the appointment is for someone else",
        },
        "patient_relation": {
            "type": "string",
            "nullable": True,
            "description": "the patient to the visitor: mother, father, son, …",
            "example": "mother",
        },
        "phone": {"type": "string", "nullable": True, "description": "E.164, without the extension"},
        "phone_extension": {"type": "string", "nullable": True, "example": "7"},
        "email": {"type": "string", "nullable": True},
        "preferred_date": {"type": "string", "format": "date", "nullable": True},
        "preferred_time": {"type": "string", "nullable": True},
        "reason": {"type": "string", "nullable": True},
        "reason_text": {
            "type": "string",
            "nullable": True,
            "description": "the visitor's own words, when they said more than the reason",
        },
        "message": {"type": "string", "nullable": True},
        "consent_at": {"type": "string", "format": "date-time", "nullable": True},
        "channel": {"type": "string", "nullable": True},
        "language": {
            "type": "string",
            "enum": list(REQUEST_LANGUAGES),
            "description": "the conversation's language (ISO 639-1): the practice calls back in it",
        },
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def openapi_document() -> dict[str, Any]:
    errors = {
        "401": {
            "description": "missing or invalid API key",
            "content": {"application/json": {"schema": ERROR}},
        },
        "400": {"description": "bad query", "content": {"application/json": {"schema": ERROR}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Appointment requests (read-only)",
            "version": "1.0.0",
            "description": "Requests collected by the practice's assistant. Keys: python -m bot.staff "
            "api-key create NAME.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Request": REQUEST_SCHEMA, "Error": ERROR},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/requests": {
                "get": {
                    "summary": "Requests, newest first",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(STATUSES)},
                        },
                        {
                            "name": "language",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(REQUEST_LANGUAGES)},
                        },
                        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "a page of requests",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "items": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Request"},
                                            },
                                            "total": {"type": "integer"},
                                            "page": {"type": "integer"},
                                            "per_page": {"type": "integer"},
                                        },
                                    }
                                }
                            },
                        },
                        **errors,
                    },
                }
            },
            "/api/requests/{reference}": {
                "get": {
                    "summary": "One request",
                    "parameters": [
                        {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "the request",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Request"}}
                            },
                        },
                        "404": {"description": "unknown reference"},
                        **errors,
                    },
                }
            },
        },
    }


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


routes = [
    Route("/api/openapi.json", openapi),
    Route("/api/requests", list_requests),
    Route("/api/requests/{reference}", one_request),
]
