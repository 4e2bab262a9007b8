"""Every role on every endpoint: allowed roles get through, others get 403, strangers 401."""
from __future__ import annotations

import asyncio

from alerts.web import ROUTES

ROLES = ("viewer", "operator", "regulator", "admin")
EVERYONE = set(ROLES)
STAFF = {"viewer", "operator", "admin"}
ACTORS = {"operator", "admin"}

# The specification, written out by hand (not derived from the code's table).
EXPECTED = {
    ("GET", "/api/session"): "public",
    ("POST", "/api/session"): "public",
    ("DELETE", "/api/session"): EVERYONE,
    ("GET", "/api/alerts"): STAFF,
    ("GET", "/api/alerts/{alert_id}"): STAFF,
    ("POST", "/api/alerts/{alert_id}/{action}"): ACTORS,
    ("GET", "/api/evidence/{evidence_id}"): EVERYONE,
    ("GET", "/api/feed"): STAFF,
    ("GET", "/api/cases"): EVERYONE,
    ("GET", "/api/cases/{case_id}"): EVERYONE,
    ("GET", "/api/cases/{case_id}/bundle"): {"operator", "regulator", "admin"},
    ("GET", "/api/streams"): STAFF,
    ("POST", "/api/streams"): ACTORS,
    ("DELETE", "/api/streams/{stream_id}"): ACTORS,
    ("GET", "/api/tokens"): {"admin"},
    ("POST", "/api/tokens"): {"admin"},
    ("DELETE", "/api/tokens/{token_id}"): {"admin"},
    ("GET", "/api/webhooks"): {"admin"},
    ("POST", "/api/webhooks"): {"admin"},
    ("DELETE", "/api/webhooks/{webhook_id}"): {"admin"},
    ("GET", "/api/audit"): {"admin"},
}

BODIES = {
    ("POST", "/api/session"): {"token": "pnt_not-a-token"},
    ("POST", "/api/alerts/{alert_id}/{action}"): {"reason": "checked"},
    ("POST", "/api/streams"): {"stream_id": "room-9", "url": "http://127.0.0.1:9/live.m3u8", "platform": "generic"},
    ("POST", "/api/tokens"): {"role": "viewer", "name": "made by test"},
    ("POST", "/api/webhooks"): {"url": "http://127.0.0.1:9/hook", "event_types": ["alert.created"]},
}


def test_the_specification_covers_every_route():
    assert {(r.method, r.path) for r in ROUTES} == set(EXPECTED)


async def _setup(service, alert_factory, token_for):
    await service.ingest_alert(alert_factory("esc-1", corroborated=True, escalate=True, escalation_reason="policy"))
    await service.ingest_alert(alert_factory("plain-1", seller_id="seller-2"))
    await service.ingest_spec(__import__("pantau.records", fromlist=["StreamSpec"]).StreamSpec(
        stream_id="room-1", url="http://127.0.0.1:9/a.m3u8"))
    for _ in range(50):  # evidence is written just after the alert
        async with service.engine.connect() as conn:
            from alerts import store
            if await store.evidence_of(conn, ["esc-1"]):
                break
        await asyncio.sleep(0.05)
    tokens = {role: await token_for(service, role) for role in ROLES}
    victim = await token_for(service, "viewer", "to revoke")
    return tokens, victim


def _concrete(path: str) -> str:
    return (path.replace("{alert_id}", "plain-1").replace("{action}", "acknowledge")
            .replace("{evidence_id}", "1").replace("{case_id}", "1").replace("{stream_id}", "room-1")
            .replace("{token_id}", "999").replace("{webhook_id}", "999"))


async def test_every_role_on_every_endpoint(make_service, make_client, alert_factory, token_for):
    service = await make_service()
    client = await make_client(service)
    tokens, _ = await _setup(service, alert_factory, token_for)
    for (method, path), allowed in EXPECTED.items():
        url = _concrete(path)
        body = BODIES.get((method, path))
        anon = await client.request(method, url, json=body)
        if allowed == "public":
            assert anon.status not in (401, 403) or path == "/api/session", (method, path, anon.status)
            continue
        assert anon.status == 401, (method, path, "anonymous", anon.status)
        assert (await anon.json())["error"]
        for role in ROLES:
            resp = await client.request(method, url, json=body, headers={"Authorization": f"Bearer {tokens[role]}"})
            if role in allowed:
                assert resp.status not in (401, 403), (method, path, role, resp.status, await resp.text())
            else:
                assert resp.status == 403, (method, path, role, resp.status)
                assert "may not" in (await resp.json())["error"]


async def test_regulators_see_only_escalated_cases_and_their_evidence(make_service, make_client, alert_factory,
                                                                      token_for):
    service = await make_service()
    client = await make_client(service)
    tokens, _ = await _setup(service, alert_factory, token_for)
    await service.act("plain-1", "confirm", "op", "operator")
    # Open (not escalated) case for seller-2 cannot exist without escalation; make one by hand.
    from alerts import cases
    async with service.engine.begin() as conn:
        open_id, _ = await cases.open_case(conn, "seller-3", "simulator", "test", 1.0)
    regulator = {"Authorization": f"Bearer {tokens['regulator']}"}
    listed = await (await client.get("/api/cases", headers=regulator)).json()
    assert [c["status"] for c in listed["cases"]] == ["escalated"]
    assert (await client.get(f"/api/cases/{open_id}", headers=regulator)).status == 404
    operator = {"Authorization": f"Bearer {tokens['operator']}"}
    assert (await client.get(f"/api/cases/{open_id}", headers=operator)).status == 200
    detail = await (await client.get("/api/alerts/plain-1", headers=operator)).json()
    plain_evidence = [e["id"] for e in detail["evidence"]]
    assert plain_evidence
    assert (await client.get(f"/api/evidence/{plain_evidence[0]}", headers=regulator)).status == 404
    case = await (await client.get("/api/cases/1", headers=regulator)).json()
    esc_evidence = [e["id"] for a in case["alerts"] for e in a["evidence"]]
    assert esc_evidence
    assert (await client.get(f"/api/evidence/{esc_evidence[0]}", headers=regulator)).status == 200
