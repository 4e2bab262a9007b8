"""API handlers for cases and their bundles. Regulators see escalated cases only."""
from __future__ import annotations

from aiohttp import web

from alerts import audit, cases, store
from alerts.api_alerts import alert_detail
from alerts.appkeys import PRINCIPAL, SERVICE
from alerts.bundle import build_bundle
from alerts.validate import ApiError, path_int

__all__ = ["list_cases", "get_case", "case_bundle"]


def _escalated_only(request: web.Request) -> bool:
    return request[PRINCIPAL].role == "regulator"


async def list_cases(request: web.Request) -> web.Response:
    async with request.app[SERVICE].engine.connect() as conn:
        return web.json_response({"cases": await cases.list_cases(conn, escalated_only=_escalated_only(request))})


async def _load_case(request: web.Request) -> tuple[dict, list[dict], list[dict]]:
    case_id = path_int(request, "case_id")
    service = request.app[SERVICE]
    async with service.engine.connect() as conn:
        case = await cases.get_case(conn, case_id)
        if case is None or (_escalated_only(request) and case["status"] != "escalated"):
            raise ApiError(404, "no such case")
        events = await cases.case_events_of(conn, case_id)
        rows, _ = await store.list_alerts(conn, store.AlertFilter(case_id=case_id), 1000, None)
    details = [await alert_detail(service, r.alert_id) for r in reversed(rows)]
    return case, events, details


async def get_case(request: web.Request) -> web.Response:
    case, events, details = await _load_case(request)
    return web.json_response({"case": case, "events": events, "alerts": details})


async def case_bundle(request: web.Request) -> web.Response:
    case, events, details = await _load_case(request)
    service = request.app[SERVICE]
    ids = [d["alert_id"] for d in details]
    async with service.engine.connect() as conn:
        evidence = await store.evidence_of(conn, ids, with_content=True) if ids else []
    history = {d["alert_id"]: d.pop("events") for d in details}
    for d in details:
        d.pop("evidence", None)
    data = build_bundle(case, events, details, history, evidence)
    async with service.engine.begin() as conn:
        await audit.append_for(conn, request, "case.bundle", f"case:{case['id']}", {"alerts": len(ids)})
    return web.Response(body=data, content_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="pantau-case-{case["id"]}.zip"'})
