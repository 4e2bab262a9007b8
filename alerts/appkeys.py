"""Typed keys for what the web application and each request carry.

``app[SERVICE]`` is the alert service, ``request[PRINCIPAL]`` who is signed in
(set by the guard middleware before a handler runs).
"""
from __future__ import annotations

import typing

from aiohttp import web

from alerts.auth import Principal

if typing.TYPE_CHECKING:  # the service module imports the API modules' helpers, not the other way round
    from alerts.api_admin import SignInLimiter
    from alerts.service import AlertService

__all__ = ["SERVICE", "SIGN_IN_LIMITER", "OPEN_DESK_CSRF", "OPENAPI", "PRINCIPAL"]

SERVICE: web.AppKey["AlertService"] = web.AppKey("service")
SIGN_IN_LIMITER: web.AppKey["SignInLimiter"] = web.AppKey("sign_in_limiter")
OPEN_DESK_CSRF = web.AppKey("open_desk_csrf", str)
OPENAPI = web.AppKey("openapi", dict)
PRINCIPAL = web.RequestKey("principal", Principal)
