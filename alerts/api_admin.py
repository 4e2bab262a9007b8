"""API handlers for sign-in, tokens, streams to watch, webhooks and the audit log."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Literal, Optional
from urllib.parse import urlparse

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from alerts import audit, auth, store, webhooks
from alerts.appkeys import PRINCIPAL, SERVICE, SIGN_IN_LIMITER
from alerts.validate import ApiError, path_int, query_int, read_body
from pantau.errors import UserError
from pantau.records import StreamSpec

__all__ = ["session_info", "sign_in", "sign_out", "list_tokens", "create_token", "revoke_token", "list_streams",
           "attach_stream", "detach_stream", "list_webhooks", "create_webhook", "delete_webhook", "read_audit",
           "SignInLimiter", "SESSION_COOKIE"]

SESSION_COOKIE = "pantau_session"
_TEXT = dict(min_length=1, max_length=200)


class SignInLimiter:
    """Refuses sign-in from an address after too many failures in a window."""

    def __init__(self, max_failures: int = 5, window: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque] = defaultdict(deque)

    def retry_after(self, remote: str) -> float:
        failures = self._failures.get(remote)
        if not failures:
            return 0.0
        now = time.monotonic()
        while failures and failures[0] < now - self.window:
            failures.popleft()
        if len(failures) >= self.max_failures:
            return failures[0] + self.window - now
        return 0.0

    def failed(self, remote: str) -> None:
        self._failures[remote].append(time.monotonic())


def _who(request: web.Request) -> auth.Principal:
    return request[PRINCIPAL]


def _engine(request: web.Request):
    return request.app[SERVICE].engine


async def session_info(request: web.Request) -> web.Response:
    who: Optional[auth.Principal] = request.get(PRINCIPAL)
    if who is None:
        return web.json_response({"signed_in": False, "open_desk": False})
    return web.json_response({"signed_in": True, "name": who.name, "role": who.role, "via": who.via,
                              "open_desk": who.via == "open_desk", "csrf": who.csrf})


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


async def sign_in(request: web.Request) -> web.Response:
    limiter: SignInLimiter = request.app[SIGN_IN_LIMITER]
    remote = request.remote or ""
    wait = limiter.retry_after(remote)
    if wait > 0:
        raise ApiError(429, "too many failed sign-ins; try again later", {"Retry-After": str(int(wait) + 1)})
    body = await read_body(request, SignIn)
    async with _engine(request).begin() as conn:
        who = await auth.resolve_token(conn, body.token)
        if who is None:
            limiter.failed(remote)
            await audit.append(conn, "anonymous", "", "session.sign_in_failed", "", {}, remote)
            raise ApiError(401, "that token is not valid")
        raw, csrf = await auth.new_session(conn, who.token_id)
        await audit.append(conn, who.name, who.role, "session.sign_in", f"token:{who.token_id}", {}, remote)
    response = web.json_response({"signed_in": True, "name": who.name, "role": who.role, "csrf": csrf})
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="Strict", path="/",
                        max_age=auth.SESSION_SECONDS, secure=request.secure)
    return response


async def sign_out(request: web.Request) -> web.Response:
    raw = request.cookies.get(SESSION_COOKIE)
    async with _engine(request).begin() as conn:
        if raw:
            await auth.end_session(conn, raw)
        await audit.append_for(conn, request, "session.sign_out")
    response = web.json_response({"signed_in": False})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["viewer", "operator", "regulator", "admin"]
    name: str = Field(**_TEXT)


async def list_tokens(request: web.Request) -> web.Response:
    async with _engine(request).connect() as conn:
        return web.json_response({"tokens": await auth.list_tokens(conn)})


async def create_token(request: web.Request) -> web.Response:
    body = await read_body(request, NewToken)
    who = _who(request)
    async with _engine(request).begin() as conn:
        token_id, raw = await auth.new_token(conn, body.role, body.name, who.name)
        await audit.append_for(conn, request, "token.create", f"token:{token_id}", {"role": body.role, "name": body.name})
    return web.json_response({"id": token_id, "role": body.role, "name": body.name, "token": raw,
                              "note": "shown once: Pantau keeps only its hash"}, status=201)


async def revoke_token(request: web.Request) -> web.Response:
    token_id = path_int(request, "token_id")
    async with _engine(request).begin() as conn:
        if not await auth.revoke_token(conn, token_id):
            raise ApiError(404, "no such active token")
        await audit.append_for(conn, request, "token.revoke", f"token:{token_id}")
    return web.json_response({"revoked": token_id})


class StreamBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stream_id: str = Field(**_TEXT, pattern=r"^[A-Za-z0-9._:-]+$")
    url: str = Field(min_length=1, max_length=2000)
    platform: Literal["generic", "simulator", "tiktok", "shopee", "youtube"] = "generic"
    seller_id: str = Field("", max_length=200)
    seller_name: str = Field("", max_length=300)
    events_url: Optional[str] = Field(None, max_length=2000)
    labels: dict[str, str] = Field(default_factory=dict, max_length=20)
    merchant_type: Literal["domestic", "cross_border"] = "domestic"

    @field_validator("labels")
    @classmethod
    def _small_labels(cls, value: dict[str, str]) -> dict[str, str]:
        if any(len(k) > 100 or len(v) > 200 for k, v in value.items()):
            raise ValueError("label keys are at most 100 and values 200 characters")
        return value


async def list_streams(request: web.Request) -> web.Response:
    watched = request.query.get("watched") in ("1", "true")
    async with _engine(request).connect() as conn:
        return web.json_response({"streams": await store.list_streams(conn, watched_only=watched)})


async def attach_stream(request: web.Request) -> web.Response:
    body = await read_body(request, StreamBody)
    spec = StreamSpec(**body.model_dump())
    try:
        spec.validate()
    except UserError as exc:
        raise ApiError(422, str(exc)) from None
    who = _who(request)
    view = await request.app[SERVICE].set_stream(spec, True, who.name, who.role, request.remote or "")
    return web.json_response(view, status=201)


async def detach_stream(request: web.Request) -> web.Response:
    stream_id = request.match_info["stream_id"]
    async with _engine(request).connect() as conn:
        current = await store.get_stream(conn, stream_id[:200])
    if current is None:
        raise ApiError(404, "no such stream")
    spec = StreamSpec(**{k: current[k] for k in ("stream_id", "url", "platform", "seller_id", "seller_name",
                                                 "events_url", "labels", "merchant_type")})
    who = _who(request)
    view = await request.app[SERVICE].set_stream(spec, False, who.name, who.role, request.remote or "")
    return web.json_response(view)


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000)
    event_types: list[Literal[webhooks.EVENT_TYPES]] = Field(min_length=1, max_length=len(webhooks.EVENT_TYPES))
    format: Literal[webhooks.FORMATS] = "pantau"

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("webhook URL must be http:// or https://")
        return value


async def list_webhooks(request: web.Request) -> web.Response:
    async with _engine(request).connect() as conn:
        return web.json_response({"webhooks": await webhooks.list_webhooks(conn)})


async def create_webhook(request: web.Request) -> web.Response:
    body = await read_body(request, WebhookBody)
    async with _engine(request).begin() as conn:
        webhook_id, secret = await webhooks.create_webhook(conn, body.url, list(body.event_types), body.format)
        await audit.append_for(conn, request, "webhook.create", f"webhook:{webhook_id}",
                               {"url": body.url, "event_types": list(body.event_types), "format": body.format})
    return web.json_response({"id": webhook_id, "url": body.url, "event_types": sorted(set(body.event_types)),
                              "format": body.format, "secret": secret,
                              "note": "the signing secret is shown once"}, status=201)


async def delete_webhook(request: web.Request) -> web.Response:
    webhook_id = path_int(request, "webhook_id")
    async with _engine(request).begin() as conn:
        if not await webhooks.delete_webhook(conn, webhook_id):
            raise ApiError(404, "no such webhook")
        await audit.append_for(conn, request, "webhook.delete", f"webhook:{webhook_id}")
    return web.json_response({"deleted": webhook_id})


async def read_audit(request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 100, 1, 500)
    before = query_int(request, "before", 0, 0, 2**62) or None
    async with _engine(request).connect() as conn:
        return web.json_response({"entries": await audit.read(conn, limit, before)})
