"""Case bundles: one zip a regulator can verify offline and act on.

Layout (``case-<id>/`` inside the zip)::

    manifest.json          every other file's SHA-256 and size, the case, and its chain of events
    report.html            the report (reported party, conduct, evidence, observers)
    report.pdf             the same report as PDF
    alerts/<n>.json        each alert as stored (offer, rule, reference cost, history)
    transcripts/<n>.json   transcript excerpt around the offer, with stream times
    audio/<n>.wav          the audio clip around the offer
    snapshots/<n>.json     the platform's pinned product at the time

``verify_bundle(path)`` checks every hash, that no file was added or removed,
and that the chain of case events is unbroken.
"""
from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from pathlib import PurePosixPath

from alerts.cases import verify_chain

__all__ = ["build_bundle", "verify_bundle", "FORMAT"]

FORMAT = "pantau-case-bundle/1"
_EXT = {"audio": "wav", "transcript": "json", "snapshot": "json"}
_DIR = {"audio": "audio", "transcript": "transcripts", "snapshot": "snapshots"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _observers(events: list[dict], alert_events: dict[str, list[dict]]) -> list[dict]:
    seen = []
    for e in events:
        seen.append({"actor": e["actor"], "what": f"case {e['kind']}", "at": e["at"]})
    for alert_id, history in alert_events.items():
        for e in history:
            if e["kind"] in ("acknowledged", "confirmed", "escalated", "dismissed"):
                seen.append({"actor": e["actor"], "what": f"{e['kind']} alert {alert_id}", "at": e["at"]})
    return sorted(seen, key=lambda o: o["at"])


def build_bundle(case: dict, events: list[dict], alerts: list[dict], alert_events: dict[str, list[dict]],
                 evidence: list) -> bytes:
    """The zip bytes for a case; ``alerts`` are detail views, ``evidence`` rows with content."""
    from alerts.report import render_html, render_pdf

    root = f"case-{case['id']}"
    files: dict[str, bytes] = {}
    by_alert: dict[str, list[dict]] = {a["alert_id"]: [] for a in alerts}
    numbers = {a["alert_id"]: i for i, a in enumerate(alerts, 1)}
    for item in evidence:
        n = numbers.get(item.alert_id)
        if n is None:
            continue
        path = f"{_DIR[item.kind]}/{n:03d}-{item.id}.{_EXT[item.kind]}"
        files[path] = item.content
        by_alert[item.alert_id].append({"kind": item.kind, "path": path, "sha256": item.sha256})
    report_alerts = []
    for alert in alerts:
        n = numbers[alert["alert_id"]]
        doc = dict(alert, events=alert_events.get(alert["alert_id"], []), evidence_files=by_alert[alert["alert_id"]])
        path = f"alerts/{n:03d}.json"
        files[path] = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        entry = dict(alert, offer_text=(alert.get("offer") or {}).get("text", ""),
                     files=[{"kind": "alert record", "path": path, "sha256": _sha(files[path])}] + by_alert[alert["alert_id"]])
        report_alerts.append(entry)
    rules = sorted({a["rule"] for a in alerts})
    description = (f"During live-shopping streams, the seller offered {len(alerts)} product(s) at unit prices "
                   f"below the reference cost of making or importing them (rules: {', '.join(rules) or '-'}). "
                   f"Each offer was heard in the stream's audio, transcribed, and corroborated before escalation; "
                   f"the words, audio clip and the platform's own product listing are attached.")
    report = {"case": case, "alerts": report_alerts, "streams": sorted({a["stream_id"] for a in alerts}),
              "description": description, "observers": _observers(events, alert_events),
              "chain_head": events[-1]["hash"] if events else "", "generated_at": time.time()}
    files["report.html"] = render_html(report).encode("utf-8")
    files["report.pdf"] = render_pdf(report)
    manifest = {
        "format": FORMAT,
        "generated_at": report["generated_at"],
        "case": case,
        "chain": events,
        "files": [{"path": p, "sha256": _sha(data), "size": len(data)} for p, data in sorted(files.items())],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{root}/manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        for path, data in sorted(files.items()):
            zf.writestr(f"{root}/{path}", data)
    return buffer.getvalue()


def _check_alert_records(zf: zipfile.ZipFile, root: str, listed: dict) -> list[str]:
    """Each alert record names its evidence files and their hashes as stored when captured."""
    problems = []
    for name in listed:
        if not (name.startswith(f"{root}/alerts/") and name.endswith(".json")):
            continue
        try:
            record = json.loads(zf.read(name))
        except (KeyError, ValueError, UnicodeDecodeError):
            problems.append(f"alert record {name} is not readable JSON")
            continue
        for ref in record.get("evidence_files", []):
            entry = listed.get(f"{root}/{ref.get('path')}")
            if entry is None:
                problems.append(f"{name} names evidence {ref.get('path')!r} that is not in the bundle")
            elif entry.get("sha256") != ref.get("sha256"):
                problems.append(f"evidence {ref.get('path')} differs from the hash recorded when it was captured")
    return problems


def verify_bundle(path) -> tuple[bool, list[str]]:
    """Check a bundle's integrity offline; returns (ok, problems)."""
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return False, [f"not a readable zip file: {exc}"]
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        manifests = [n for n in names if PurePosixPath(n).name == "manifest.json" and n.count("/") == 1]
        if len(manifests) != 1:
            return False, ["bundle must hold exactly one <case>/manifest.json"]
        root = manifests[0].split("/")[0]
        try:
            manifest = json.loads(zf.read(manifests[0]))
        except (ValueError, UnicodeDecodeError):
            return False, ["manifest.json is not valid JSON"]
        if manifest.get("format") != FORMAT:
            problems.append(f"unknown bundle format {manifest.get('format')!r}")
        listed = {}
        for entry in manifest.get("files", []):
            p = str(entry.get("path", ""))
            if p.startswith("/") or ".." in PurePosixPath(p).parts:
                problems.append(f"unsafe path in manifest: {p!r}")
                continue
            listed[f"{root}/{p}"] = entry
        for name in names:
            if name == manifests[0]:
                continue
            if name not in listed:
                problems.append(f"file not in manifest: {name}")
        for name, entry in listed.items():
            if name not in names:
                problems.append(f"missing file: {name}")
                continue
            data = zf.read(name)
            if _sha(data) != entry.get("sha256"):
                problems.append(f"SHA-256 mismatch: {name}")
            elif len(data) != entry.get("size"):
                problems.append(f"size mismatch: {name}")
        problems += _check_alert_records(zf, root, listed)
        chain = manifest.get("chain") or []
        if not chain:
            problems.append("manifest has no chain of case events")
        problems += verify_chain(chain)
        present = {entry.get("sha256") for entry in listed.values()}
        for event in chain:
            details = event.get("details") or {}
            anchored = details.get("evidence", []) + ([details] if event.get("kind") == "evidence_added" else [])
            for item in anchored:
                if item.get("sha256") not in present:
                    problems.append(f"the chain of events records {item.get('kind')} evidence "
                                    f"{str(item.get('sha256'))[:12]}… that is not in the bundle")
        case_id = (manifest.get("case") or {}).get("id")
        if any(e.get("case_id") != case_id for e in chain):
            problems.append("chain holds events of another case")
    return not problems, problems
