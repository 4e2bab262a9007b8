"""Cases and bundles: escalation, evidence clips, a bundle that verifies and one that was tampered with."""
from __future__ import annotations

import asyncio
import io
import json
import math
import struct
import time
import wave
import zipfile

import pytest

from alerts.bundle import verify_bundle
from alerts.service import ActionError
from pantau.records import SAMPLE_RATE, AudioChunk, ProductSnapshot, StreamEvent, Transcript

HOSTILE = '<img src=x onerror=alert(1)> "Kaos" & <script>alert(2)</script>'


def _tone(seconds: float, t0: float) -> bytes:
    """A tone whose amplitude encodes stream time, so the clip's position can be checked."""
    n = int(seconds * SAMPLE_RATE)
    return b"".join(struct.pack("<h", int(1000 * (t0 + i / SAMPLE_RATE)) % 30000) for i in range(n))


async def _feed_stream(service, stream_id: str, until: float) -> None:
    t = 0.0
    seq = 0
    while t < until:
        await service.ingest_audio(AudioChunk.from_pcm(stream_id, seq, t, time.time(), _tone(2.0, t)))
        t += 2.0
        seq += 1


async def _wait_evidence(client, headers, alert_id, kinds):
    for _ in range(100):
        detail = await (await client.get(f"/api/alerts/{alert_id}", headers=headers)).json()
        if {e["kind"] for e in detail["evidence"]} >= kinds:
            return detail
        await asyncio.sleep(0.05)
    raise AssertionError(f"evidence {kinds} never arrived: {detail['evidence']}")


async def test_escalated_alert_bundle_holds_verifiable_evidence(make_service, make_client, alert_factory, token_for,
                                                                tmp_path):
    service = await make_service(clip_wait_seconds=5.0)
    client = await make_client(service)
    await _feed_stream(service, "room-1", 36.0)
    await service.ingest_transcript(Transcript(stream_id="room-1", seq=4, t0=28.0, t1=34.0, wall_time=time.time(),
                                               text=f"ini {HOSTILE} cuma sepuluh ribu"))
    await service.ingest_event(StreamEvent(stream_id="room-1", kind="product_pinned", time=time.time(),
                                           product=ProductSnapshot(product_id="p1", title=HOSTILE, price_idr=10_000)))
    # The policy escalates before the audio after the offer (t1 + 5 = 38 s) has arrived.
    task = asyncio.create_task(service.ingest_alert(alert_factory(
        "a-1", corroborated=True, corroboration=["pinned_price"], escalate=True, escalation_reason="3 corroborated",
        offer_text=f"ini {HOSTILE} cuma sepuluh ribu", offer_product_text=HOSTILE)))
    await task
    await _feed_stream(service, "room-1", 40.0)  # re-sends 0..40 s; the ring keeps the newest
    operator = {"Authorization": f"Bearer {await token_for(service, 'operator')}"}
    detail = await _wait_evidence(client, operator, "a-1", {"audio", "transcript", "snapshot"})
    assert detail["status"] == "escalated" and detail["case_id"] == 1

    audio = next(e for e in detail["evidence"] if e["kind"] == "audio")
    wav_bytes = await (await client.get(audio["url"], headers=operator)).read()
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert wav.getframerate() == SAMPLE_RATE and wav.getnchannels() == 1
        frames = wav.readframes(wav.getnframes())
    assert math.isclose(len(frames) / 2 / SAMPLE_RATE, 13.0, abs_tol=0.01)  # [30 - 5, 33 + 5]
    first_sample = struct.unpack("<h", frames[:2])[0]
    assert first_sample == int(1000 * 25.0) % 30000

    bundle = await client.get("/api/cases/1/bundle", headers={"Authorization": f"Bearer {await token_for(service, 'regulator')}"})
    assert bundle.status == 200
    path = tmp_path / "case.zip"
    path.write_bytes(await bundle.read())
    ok, problems = verify_bundle(path)
    assert ok, problems
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("case-1/manifest.json"))
        html = zf.read("case-1/report.html").decode()
        pdf = zf.read("case-1/report.pdf")
    assert {"case-1/report.html", "case-1/report.pdf", "case-1/alerts/001.json"} <= set(names)
    assert any(n.startswith("case-1/audio/") and n.endswith(".wav") for n in names)
    assert any(n.startswith("case-1/transcripts/") for n in names)
    assert any(n.startswith("case-1/snapshots/") for n in names)
    kinds = [e["kind"] for e in manifest["chain"]]
    assert kinds[:3] == ["opened", "alert_added", "escalated"]
    # Escalated before its evidence was cut: each piece is anchored in the chain as it arrives.
    assert sorted(e["details"]["kind"] for e in manifest["chain"][3:]) == ["audio", "snapshot", "transcript"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Reported party" in html and "Witnesses and observers" in html
    assert pdf.startswith(b"%PDF")


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item.filename, data)


@pytest.fixture
async def bundle_path(make_service, make_client, alert_factory, token_for, tmp_path):
    service = await make_service()
    client = await make_client(service)
    await service.ingest_alert(alert_factory("a-1", corroborated=True))
    await service.act("a-1", "escalate", "op", "operator", "pinned price agrees")
    admin = {"Authorization": f"Bearer {await token_for(service, 'admin')}"}
    await _wait_evidence(client, admin, "a-1", {"transcript"})
    path = tmp_path / "good.zip"
    path.write_bytes(await (await client.get("/api/cases/1/bundle", headers=admin)).read())
    return path


async def test_verify_bundle_finds_changed_added_and_removed_files(bundle_path, tmp_path):
    assert verify_bundle(bundle_path) == (True, [])
    changed = tmp_path / "changed.zip"
    _rewrite(bundle_path, changed, lambda n, d: d.replace(b"10000", b"90000") if "alerts/" in n else d)
    ok, problems = verify_bundle(changed)
    assert not ok and any("SHA-256 mismatch" in p for p in problems)
    added = tmp_path / "added.zip"
    _rewrite(bundle_path, added, lambda n, d: d)
    with zipfile.ZipFile(added, "a") as zf:
        zf.writestr("case-1/extra.txt", "planted")
    assert any("not in manifest" in p for p in verify_bundle(added)[1])
    removed = tmp_path / "removed.zip"
    _rewrite(bundle_path, removed, lambda n, d: None if n.endswith("report.pdf") else d)
    assert any("missing file" in p for p in verify_bundle(removed)[1])


async def test_verify_bundle_finds_evidence_swapped_with_a_rewritten_manifest(bundle_path, tmp_path):
    """Swap the transcript and fix up the manifest's hashes: the alert record and the chain still disagree."""
    import hashlib

    with zipfile.ZipFile(bundle_path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in files if "/transcripts/" in n)
    files[name] = files[name].replace(b"sepuluh", b"sembilan puluh")
    manifest_name = next(n for n in files if n.endswith("manifest.json"))
    manifest = json.loads(files[manifest_name])
    for entry in manifest["files"]:
        data = files[f"case-1/{entry['path']}"]
        entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    files[manifest_name] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    ok, problems = verify_bundle(forged)
    assert not ok
    assert any("differs from the hash recorded" in p for p in problems)
    assert any("chain of events records transcript evidence" in p for p in problems)


async def test_verify_bundle_finds_a_broken_chain_of_events(bundle_path, tmp_path):
    def drop_opened(name, data):
        if not name.endswith("manifest.json"):
            return data
        manifest = json.loads(data)
        manifest["chain"] = manifest["chain"][1:]
        return json.dumps(manifest)

    broken = tmp_path / "chain.zip"
    _rewrite(bundle_path, broken, drop_opened)
    ok, problems = verify_bundle(broken)
    assert not ok and any("does not follow" in p for p in problems)
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip")
    assert verify_bundle(garbage)[0] is False


async def test_operator_escalation_needs_corroboration(make_service, alert_factory):
    service = await make_service()
    await service.ingest_alert(alert_factory("a-1"))
    with pytest.raises(ActionError, match="corroborated"):
        await service.act("a-1", "escalate", "op", "operator")
    await service.act("a-1", "confirm", "op", "operator")
    view = await service.act("a-1", "escalate", "op", "operator", "confirmed on replay")
    assert view["status"] == "escalated" and view["case_id"] is not None
    with pytest.raises(ActionError, match="escalated"):
        await service.act("a-1", "dismiss", "op", "operator", "too late")
    assert service.metrics.registry.get_sample_value("pantau_cases_escalated_total") == 1
    assert service.metrics.registry.get_sample_value("pantau_alert_actions_total", {"action": "confirm"}) == 1
