"""API handlers for alerts, their evidence and the live feed."""
from __future__ import annotations

import asyncio
import json
from typing import Optional

from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field

from alerts import store
from alerts.appkeys import PRINCIPAL, SERVICE
from alerts.auth import Principal
from alerts.schema import STATUSES
from alerts.service import ACTIONS, ActionError, AlertService
from alerts.validate import ApiError, path_int, query_choices, query_float, query_int, query_str, read_body
from pantau.records import SEVERITIES

__all__ = ["list_alerts", "get_alert", "act_on_alert", "get_evidence", "feed"]


def _service(request: web.Request) -> AlertService:
    return request.app[SERVICE]


def _principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def _alert_id(request: web.Request) -> str:
    alert_id = request.match_info["alert_id"]
    if len(alert_id) > 200:
        raise ApiError(400, "alert id is longer than 200 characters")
    return alert_id


async def list_alerts(request: web.Request) -> web.Response:
    flt = store.AlertFilter(
        stream_id=query_str(request, "stream"),
        seller_id=query_str(request, "seller"),
        platform=query_str(request, "platform"),
        rule=query_str(request, "rule"),
        severity=query_choices(request, "severity", SEVERITIES),
        status=query_choices(request, "status", STATUSES),
        since=query_float(request, "since"),
        until=query_float(request, "until"),
    )
    limit = query_int(request, "limit", 50, 1, 200)
    cursor = query_str(request, "cursor", max_len=40)
    after_id: Optional[int] = None
    if cursor:
        try:
            after_id = store.decode_cursor(cursor)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "cursor is not one this API gave out") from None
    async with _service(request).engine.connect() as conn:
        rows, next_cursor = await store.list_alerts(conn, flt, limit, after_id)
        head = await store.head_seq(conn) if after_id is None else None
    body = {"alerts": [store.alert_view(r) for r in rows], "next_cursor": next_cursor}
    if head is not None:
        body["feed_seq"] = head
    return web.json_response(body)


async def alert_detail(service: AlertService, alert_id: str) -> Optional[dict]:
    """An alert with its offer, history and evidence (transcript and snapshot inline)."""
    async with service.engine.connect() as conn:
        row = await store.get_alert(conn, alert_id)
        if row is None:
            return None
        view = store.alert_view(row)
        view["offer"] = (row.record or {}).get("offer", {})
        view["evidence_refs"] = (row.record or {}).get("evidence", [])
        view["events"] = await store.alert_events_of(conn, alert_id)
        items = await store.evidence_of(conn, [alert_id], with_content=True)
    view["evidence"] = []
    for item in items:
        entry = {"id": item.id, "kind": item.kind, "media_type": item.media_type, "sha256": item.sha256,
                 "size": item.size, "url": f"/api/evidence/{item.id}", "meta": item.meta}
        if item.media_type == "application/json":
            entry["content"] = json.loads(item.content.decode("utf-8"))
        view["evidence"].append(entry)
    return view


async def get_alert(request: web.Request) -> web.Response:
    view = await alert_detail(_service(request), _alert_id(request))
    if view is None:
        raise ApiError(404, "no such alert")
    return web.json_response(view)


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=2000)


async def act_on_alert(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise ApiError(404, f"unknown action; use one of {', '.join(ACTIONS)}")
    body = await read_body(request, ActionBody) if request.can_read_body else ActionBody()
    reason = body.reason.strip()
    if action == "dismiss" and not reason:
        raise ApiError(422, "dismissing an alert needs a reason")
    who = _principal(request)
    try:
        view = await _service(request).act(_alert_id(request), action, who.name, who.role, reason,
                                           request.remote or "")
    except ActionError as exc:
        raise ApiError(exc.status, str(exc)) from None
    return web.json_response(view)


async def get_evidence(request: web.Request) -> web.StreamResponse:
    evidence_id = path_int(request, "evidence_id")
    service = _service(request)
    async with service.engine.connect() as conn:
        item = await store.get_evidence(conn, evidence_id)
        if item is None:
            raise ApiError(404, "no such evidence")
        if _principal(request).role == "regulator":
            alert = await store.get_alert(conn, item.alert_id)
            if alert is None or alert.status != "escalated":
                raise ApiError(404, "no such evidence")
    return web.Response(body=item.content, content_type=item.media_type,
                        headers={"X-Content-SHA256": item.sha256,
                                 "Content-Disposition": f'inline; filename="evidence-{item.id}"'})


async def feed(request: web.Request) -> web.StreamResponse:
    """WebSocket: ``?since=SEQ`` replays changes after SEQ, then streams live ones.

    A frame holds one message, or ``{"type": "batch", "messages": [...]}`` when
    several were waiting (in order).
    """
    since = query_int(request, "since", -1, -1, 2**62)
    # No per-message deflate: for hundreds of subscribers, compressing each
    # frame for each of them costs more CPU than the bytes it saves.
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=4096, compress=False)
    await ws.prepare(request)
    service = _service(request)
    sub = service.feed.subscribe()
    try:
        sent = since
        if since < 0:
            async with service.engine.connect() as conn:
                sent = await store.head_seq(conn)
        else:
            while True:
                async with service.engine.connect() as conn:
                    rows = await store.alerts_since(conn, sent, limit=500)
                for row in rows:
                    await ws.send_str(json.dumps({"type": "alert", "change": "replay", "seq": row.feed_seq,
                                                  "alert": store.alert_view(row)}, separators=(",", ":")))
                    sent = row.feed_seq
                if len(rows) < 500:
                    break
        await ws.send_str(json.dumps({"type": "hello", "seq": sent}))
        reader = asyncio.create_task(_drain_client(ws))
        reader.add_done_callback(lambda _task: sub.stop())
        try:
            while True:
                await sub.wait()
                if sub.stopped:
                    break
                # Take what is waiting: under load one frame carries many
                # messages, so the cost per subscriber stays per frame; the
                # frame itself is built once for everyone taking the same span.
                frame, sent = sub.take_frame(sent)
                if frame is not None:
                    await ws.send_frame(frame, WSMsgType.TEXT)
            if sub.overflowed and not ws.closed:
                # Too slow to keep up: the client resumes from `sent` and loses nothing.
                await ws.close(code=4000, message=b"behind; reconnect with since")
        finally:
            reader.cancel()
    finally:
        sub.close()
        if not ws.closed:
            await ws.close()
    return ws


async def _drain_client(ws: web.WebSocketResponse) -> None:
    async for msg in ws:
        if msg.type == WSMsgType.ERROR:
            break
