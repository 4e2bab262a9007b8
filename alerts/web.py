"""The alert service's web application: API, live feed, desk page, metrics.

Every route is one row of ``ROUTES`` (method, path, handler, permission), so
the permission check, the OpenAPI document and the permission tests all read
the same table. ``None`` as permission means anyone, signed in or not.

    >>> app = create_app(service, registry)   # doctest: +SKIP
"""
from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from pathlib import Path
from typing import Optional

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from alerts import api_admin, api_alerts, api_cases, auth
from alerts.openapi import openapi_document
from alerts.service import AlertService
from alerts.appkeys import OPEN_DESK_CSRF, OPENAPI, PRINCIPAL, SERVICE, SIGN_IN_LIMITER
from alerts.validate import ApiError

__all__ = ["create_app", "ROUTES", "Route"]

log = logging.getLogger("pantau.alerts.web")

STATIC = Path(__file__).parent / "static"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Route(tuple):
    """(method, path, handler, permission, summary)"""

    def __new__(cls, method, path, handler, permission, summary):
        return super().__new__(cls, (method, path, handler, permission, summary))

    method = property(lambda self: self[0])
    path = property(lambda self: self[1])
    handler = property(lambda self: self[2])
    permission = property(lambda self: self[3])
    summary = property(lambda self: self[4])


ROUTES = [
    Route("GET", "/api/session", api_admin.session_info, None, "Who is signed in (and the CSRF token)"),
    Route("POST", "/api/session", api_admin.sign_in, None, "Sign in with an API token; sets the session cookie"),
    Route("DELETE", "/api/session", api_admin.sign_out, "signed_in", "Sign out"),
    Route("GET", "/api/alerts", api_alerts.list_alerts, "alerts.read", "List and filter alerts, newest first"),
    Route("GET", "/api/alerts/{alert_id}", api_alerts.get_alert, "alerts.read", "An alert with history and evidence"),
    Route("POST", "/api/alerts/{alert_id}/{action}", api_alerts.act_on_alert, "alerts.act",
          "acknowledge, dismiss (with reason), confirm or escalate an alert"),
    Route("GET", "/api/evidence/{evidence_id}", api_alerts.get_evidence, "evidence.read",
          "An evidence file (audio clip, transcript excerpt, product snapshot)"),
    Route("GET", "/api/feed", api_alerts.feed, "alerts.read", "Live feed (WebSocket); ?since=SEQ resumes"),
    Route("GET", "/api/cases", api_cases.list_cases, "cases.read", "Cases (regulators: escalated only)"),
    Route("GET", "/api/cases/{case_id}", api_cases.get_case, "cases.read", "A case with its alerts and events"),
    Route("GET", "/api/cases/{case_id}/bundle", api_cases.case_bundle, "cases.bundle", "The case bundle (zip)"),
    Route("GET", "/api/streams", api_admin.list_streams, "streams.read", "Streams known and watched"),
    Route("POST", "/api/streams", api_admin.attach_stream, "streams.write", "Attach a stream to watch"),
    Route("DELETE", "/api/streams/{stream_id}", api_admin.detach_stream, "streams.write", "Stop watching a stream"),
    Route("GET", "/api/tokens", api_admin.list_tokens, "tokens.admin", "API tokens (never the secrets)"),
    Route("POST", "/api/tokens", api_admin.create_token, "tokens.admin", "Create a token (shown once)"),
    Route("DELETE", "/api/tokens/{token_id}", api_admin.revoke_token, "tokens.admin", "Revoke a token"),
    Route("GET", "/api/webhooks", api_admin.list_webhooks, "webhooks.admin", "Webhook subscriptions"),
    Route("POST", "/api/webhooks", api_admin.create_webhook, "webhooks.admin", "Subscribe a webhook"),
    Route("DELETE", "/api/webhooks/{webhook_id}", api_admin.delete_webhook, "webhooks.admin", "Remove a webhook"),
    Route("GET", "/api/audit", api_admin.read_audit, "audit.read", "The audit log, newest first"),
]


def _error(status: int, message: str, headers: Optional[dict] = None) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status, headers=headers)


async def _principal(request: web.Request, service: AlertService) -> Optional[auth.Principal]:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw:
            raise ApiError(401, "Authorization must be 'Bearer TOKEN'")
        async with service.engine.connect() as conn:
            who = await auth.resolve_token(conn, raw.strip())
        if who is None:
            limiter = request.app[SIGN_IN_LIMITER]
            limiter.failed(request.remote or "")
            raise ApiError(401, "that token is not valid")
        return who
    cookie = request.cookies.get(api_admin.SESSION_COOKIE)
    if cookie:
        async with service.engine.connect() as conn:
            who = await auth.resolve_session(conn, cookie)
        if who is not None:
            return who
    if service.settings.server.open_desk:
        return auth.Principal(name="open-desk", role="operator", via="open_desk", csrf=request.app[OPEN_DESK_CSRF])
    return None


def _route_of(request: web.Request) -> Optional[Route]:
    info = request.match_info.route
    return getattr(info.handler, "__pantau_route__", None) if info else None


@web.middleware
async def guard(request: web.Request, handler):
    """Errors as JSON, sign-in, permissions, CSRF, security headers, request timing."""
    started = time.perf_counter()
    route = _route_of(request)
    service: AlertService = request.app[SERVICE]
    try:
        if request.path.startswith("/api/") and request.app[SIGN_IN_LIMITER].retry_after(request.remote or "") > 0 \
                and request.headers.get("Authorization"):
            raise ApiError(429, "too many failed sign-ins; try again later", {"Retry-After": "60"})
        if route is not None:
            who = await _principal(request, service)
            if who is not None:
                request[PRINCIPAL] = who
            if route.permission is not None:
                if who is None:
                    raise ApiError(401, "sign in first: send 'Authorization: Bearer TOKEN' or use the desk page")
                if route.permission != "signed_in" and not auth.role_allows(who.role, route.permission):
                    raise ApiError(403, f"role {who.role} may not do this")
            if request.method not in SAFE_METHODS and who is not None and who.via in ("session", "open_desk"):
                sent = request.headers.get("X-CSRF-Token", "")
                if not hmac.compare_digest(sent.encode(), who.csrf.encode()):
                    raise ApiError(403, "missing or wrong X-CSRF-Token header")
        response = await handler(request)
    except ApiError as exc:
        response = _error(exc.status, exc.message, exc.headers)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        response = _error(exc.status, exc.reason)
    except Exception:
        if not request.path.startswith("/api/"):
            raise
        log.exception("%s %s failed", request.method, request.path)
        response = _error(500, "internal error; the server log has the details")
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
    label = route.path if route else ("static" if request.path.startswith("/static/") else "other")
    service.metrics.api_duration.labels(method=request.method, route=label,
                                        status=str(response.status)).observe(time.perf_counter() - started)
    return response


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": request.app[SERVICE].engine is not None})


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


def _metrics_handler(registry: CollectorRegistry):
    async def metrics(request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response
    return metrics


def _bind(route: Route):
    async def handler(request):
        return await route.handler(request)
    handler.__pantau_route__ = route
    return handler


def create_app(service: AlertService, registry: CollectorRegistry) -> web.Application:
    """The desk page at /, the JSON API under /api/, the feed at /api/feed, /metrics and /healthz."""
    service.use_registry(registry)
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[SERVICE] = service
    app[SIGN_IN_LIMITER] = api_admin.SignInLimiter()
    app[OPEN_DESK_CSRF] = secrets.token_urlsafe(24)
    app[OPENAPI] = openapi_document(ROUTES)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _bind(route))
    app.router.add_get("/", _index)
    app.router.add_get("/api/openapi.json", _openapi)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics_handler(registry))
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    return app
