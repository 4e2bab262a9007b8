"""The OpenAPI 3.1 document, built from the route table so that it cannot miss a route."""
from __future__ import annotations

import re

from alerts.schema import STATUSES
from pantau.records import SEVERITIES

__all__ = ["openapi_document"]

_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_LIST_PARAMS = [
    ("stream", "string", "stream id"), ("seller", "string", "seller id"), ("platform", "string", "platform"),
    ("rule", "string", "rule name"),
    ("severity", "string", "comma-separated: " + ", ".join(SEVERITIES)),
    ("status", "string", "comma-separated: " + ", ".join(STATUSES)),
    ("since", "number", "created at or after (Unix seconds)"), ("until", "number", "created before (Unix seconds)"),
    ("limit", "integer", "1-200, default 50"), ("cursor", "string", "next_cursor of the previous page"),
]

_BODIES = {
    ("POST", "/api/session"): {"token": {"type": "string", "maxLength": 200}},
    ("POST", "/api/alerts/{alert_id}/{action}"): {"reason": {"type": "string", "maxLength": 2000}},
    ("POST", "/api/tokens"): {"role": {"enum": ["viewer", "operator", "regulator", "admin"]},
                              "name": {"type": "string", "maxLength": 200}},
    ("POST", "/api/streams"): {"stream_id": {"type": "string"}, "url": {"type": "string", "format": "uri"},
                               "platform": {"enum": ["generic", "simulator", "tiktok", "shopee", "youtube"]},
                               "seller_id": {"type": "string"}, "seller_name": {"type": "string"},
                               "events_url": {"type": "string"}, "labels": {"type": "object"},
                               "merchant_type": {"enum": ["domestic", "cross_border"]}},
    ("POST", "/api/webhooks"): {"url": {"type": "string", "format": "uri"},
                                "event_types": {"type": "array", "items": {"type": "string"}},
                                "format": {"enum": ["pantau", "alertmanager"]}},
}


def openapi_document(routes) -> dict:
    paths: dict = {}
    for route in routes:
        op: dict = {"summary": route.summary, "responses": {"200": {"description": "OK"}, "4XX": _ERROR}}
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", route.path)]
        if route.path == "/api/alerts" and route.method == "GET":
            params += [{"name": n, "in": "query", "schema": {"type": t}, "description": d} for n, t, d in _LIST_PARAMS]
        if params:
            op["parameters"] = params
        body = _BODIES.get((route.method, route.path))
        if body:
            op["requestBody"] = {"content": {"application/json": {"schema": {
                "type": "object", "properties": body, "additionalProperties": False}}}}
        if route.permission:
            op["security"] = [{"bearer": []}, {"session": []}]
            op["x-permission"] = route.permission
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pantau alerts API", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "pantau_session"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"},
                                                                    "status": {"type": "integer"}}}},
        },
    }
