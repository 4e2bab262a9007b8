"""Bad input gets a clear 4xx JSON error; sessions, CSRF, sign-in limits and security headers."""
from __future__ import annotations

import pytest

BAD_QUERIES = [
    "/api/alerts?limit=0", "/api/alerts?limit=abc", "/api/alerts?limit=100000", "/api/alerts?severity=urgent",
    "/api/alerts?status=new,bogus", "/api/alerts?since=nan", "/api/alerts?since=-5", "/api/alerts?cursor=%%%",
    "/api/alerts?cursor=bm90LW91cnM", "/api/alerts?seller=" + "x" * 201, "/api/evidence/abc",
    "/api/cases/1e9", "/api/alerts/a-1/explode", "/api/nothing-here",
]


@pytest.fixture
async def admin_client(make_service, make_client, token_for, alert_factory):
    service = await make_service()
    client = await make_client(service)
    await service.ingest_alert(alert_factory("a-1"))
    return client, {"Authorization": f"Bearer {await token_for(service, 'admin')}"}, service


async def test_bad_queries_answer_4xx_json(admin_client):
    client, headers, _ = admin_client
    for url in BAD_QUERIES:
        method = "POST" if url.endswith("explode") else "GET"
        resp = await client.request(method, url, headers=headers, json={} if method == "POST" else None)
        assert 400 <= resp.status < 500, (url, resp.status)
        body = await resp.json()
        assert body["error"] and body["status"] == resp.status, url


@pytest.mark.parametrize("path,body,status", [
    ("/api/alerts/a-1/dismiss", {}, 422),
    ("/api/alerts/a-1/dismiss", {"reason": 5}, 422),
    ("/api/alerts/a-1/acknowledge", {"reason": "x", "extra": 1}, 422),
    ("/api/alerts/a-1/acknowledge", {"reason": "x" * 2001}, 422),
    ("/api/tokens", {"role": "root", "name": "x"}, 422),
    ("/api/tokens", {"role": "viewer", "name": ""}, 422),
    ("/api/streams", {"stream_id": "s", "url": "file:///etc/passwd"}, 422),
    ("/api/streams", {"stream_id": "../../x", "url": "http://a/b"}, 422),
    ("/api/streams", {"stream_id": "s", "url": "http://a/b", "platform": "myspace"}, 422),
    ("/api/webhooks", {"url": "gopher://x", "event_types": ["alert.created"]}, 422),
    ("/api/webhooks", {"url": "http://x/h", "event_types": ["alert.exploded"]}, 422),
    ("/api/webhooks", {"url": "http://x/h", "event_types": []}, 422),
])
async def test_bad_bodies_answer_422_with_the_field(admin_client, path, body, status):
    client, headers, _ = admin_client
    resp = await client.post(path, headers=headers, json=body)
    assert resp.status == status, await resp.text()
    error = (await resp.json())["error"]
    assert any(word in error for word in ("invalid", "reason", "must be")), error


async def test_non_json_and_oversized_bodies(admin_client):
    client, headers, _ = admin_client
    resp = await client.post("/api/tokens", headers=headers, data=b"role=admin")
    assert resp.status == 415
    resp = await client.post("/api/tokens", headers={**headers, "Content-Type": "application/json"}, data=b"{nope")
    assert resp.status == 400 and "JSON" in (await resp.json())["error"]
    resp = await client.post("/api/tokens", headers={**headers, "Content-Type": "application/json"},
                             data=b'{"name": "' + b"x" * 100_000 + b'"}')
    assert resp.status == 413


async def test_session_cookie_csrf_and_sign_out(make_service, make_client, token_for):
    service = await make_service()
    client = await make_client(service)
    token = await token_for(service, "admin")
    resp = await client.post("/api/session", json={"token": token})
    assert resp.status == 200
    csrf = (await resp.json())["csrf"]
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert (await client.get("/api/tokens")).status == 200  # the cookie signs in
    no_csrf = await client.post("/api/tokens", json={"role": "viewer", "name": "v"})
    assert no_csrf.status == 403 and "CSRF" in (await no_csrf.json())["error"]
    made = await client.post("/api/tokens", json={"role": "viewer", "name": "v"}, headers={"X-CSRF-Token": csrf})
    assert made.status == 201 and (await made.json())["token"].startswith("pnt_")
    listed = await (await client.get("/api/tokens")).json()
    assert all("token" not in t and "token_hash" not in t for t in listed["tokens"])
    assert (await client.delete("/api/session", headers={"X-CSRF-Token": csrf})).status == 200
    assert (await client.get("/api/tokens")).status == 401
    entries = await (await client.get("/api/audit", headers={"Authorization": f"Bearer {token}"})).json()
    actions = [e["action"] for e in entries["entries"]]
    assert {"session.sign_in", "token.create", "session.sign_out"} <= set(actions)


async def test_failed_sign_ins_are_rate_limited(make_service, make_client, token_for):
    service = await make_service()
    client = await make_client(service)
    for _ in range(5):
        assert (await client.post("/api/session", json={"token": "pnt_guess"})).status == 401
    good = await token_for(service, "viewer")
    limited = await client.post("/api/session", json={"token": good})
    assert limited.status == 429 and int(limited.headers["Retry-After"]) > 0


async def test_security_headers_and_open_desk(make_service, make_client):
    service = await make_service(open_desk=True)
    client = await make_client(service)
    page = await client.get("/")
    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    session = await (await client.get("/api/session")).json()
    assert session["open_desk"] is True and session["role"] == "operator"
    assert (await client.get("/api/alerts")).status == 200
    assert (await client.get("/api/tokens")).status == 403  # the open desk is an operator, not an admin
    spec = await (await client.get("/api/openapi.json")).json()
    assert "/api/alerts" in spec["paths"] and spec["openapi"].startswith("3.")
