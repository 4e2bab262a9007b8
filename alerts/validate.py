"""Input checks for the API: every bad value is a 4xx with a one-line JSON error."""
from __future__ import annotations

import json
import math
from typing import Optional

from aiohttp import web
from pydantic import BaseModel, ValidationError

__all__ = ["ApiError", "query_str", "query_int", "query_float", "query_choices", "read_body", "path_int"]

MAX_TEXT = 200


class ApiError(Exception):
    """An answer other than success: HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str, headers: Optional[dict] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def query_str(request: web.Request, name: str, max_len: int = MAX_TEXT) -> Optional[str]:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_len:
        raise ApiError(400, f"query parameter {name!r} is longer than {max_len} characters")
    return value


def query_int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name!r} must be an integer") from None
    if not lo <= value <= hi:
        raise ApiError(400, f"query parameter {name!r} must be between {lo} and {hi}")
    return value


def query_float(request: web.Request, name: str) -> Optional[float]:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name!r} must be a number (Unix seconds)") from None
    if not math.isfinite(value) or value < 0:
        raise ApiError(400, f"query parameter {name!r} must be a non-negative finite number")
    return value


def query_choices(request: web.Request, name: str, allowed: tuple[str, ...]) -> Optional[list[str]]:
    raw = query_str(request, name)
    if raw is None:
        return None
    values = [v for v in raw.split(",") if v]
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ApiError(400, f"query parameter {name!r} must be one or more of {', '.join(allowed)}")
    return values


def path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(400, f"{name} must be a positive integer")
    return int(raw)


async def read_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_type != "application/json":
        raise ApiError(415, "send a JSON body with Content-Type: application/json")
    try:
        data = json.loads(await request.read() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "request body is not valid JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, f"invalid {where}: {first['msg']}") from None
