"""The case report for regulators, in HTML and PDF.

It is laid out as a report to the competition authority (KPPU) expects:
the reported party, a description of the conduct, the evidence (each item
with its file and SHA-256), and the observers who witnessed it (the
monitoring staff and the automated policy, from the case's chain of events).
Everything taken from streams is escaped (HTML) or drawn as plain text (PDF).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import jinja2
from fpdf import FPDF

__all__ = ["render_html", "render_pdf", "when"]

_NEXT = {"new_x": "LMARGIN", "new_y": "NEXT"}
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

_env = jinja2.Environment(loader=jinja2.PackageLoader("alerts", "data"),
                          autoescape=jinja2.select_autoescape(default=True, default_for_string=True))


def when(ts) -> str:
    if not ts:
        return "-"
    return datetime.fromtimestamp(float(ts), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _idr(value) -> str:
    return "-" if value is None else "Rp " + f"{int(value):,}".replace(",", ".")


_env.filters["when"] = when
_env.filters["idr"] = _idr


def render_html(report: dict) -> str:
    return _env.get_template("report.html").render(**report)


def _sections(report: dict) -> list[tuple[str, list[str]]]:
    case = report["case"]
    party = [f"Seller: {case['seller_name'] or '-'} (id {case['seller_id']})",
             f"Platform: {case['platform']}", f"Merchant type: {case['merchant_type']}",
             f"Streams: {', '.join(report['streams']) or '-'}"]
    description = [report["description"]]
    evidence = []
    for i, alert in enumerate(report["alerts"], 1):
        evidence.append(f"{i}. {alert['rule']} ({alert['severity']}), {when(alert['first_seen'])}, stream "
                        f"{alert['stream_id']}: '{alert['product_text']}' at {_idr(alert['unit_price_idr'])} "
                        f"per unit; reference cost {_idr(alert['reference_cost_idr'])}; heard {alert['count']}x.")
        if alert.get("offer_text"):
            evidence.append(f"   Words: \"{alert['offer_text']}\"")
        for f in alert["files"]:
            evidence.append(f"   {f['path']}  sha256 {f['sha256']}")
    observers = [f"{o['actor']} ({o['what']}), {when(o['at'])}" for o in report["observers"]]
    return [("1. Reported party", party), ("2. Description of the conduct", description),
            ("3. Evidence", evidence), ("4. Witnesses and observers", observers),
            ("5. Integrity", [f"Every file of this bundle is listed with its SHA-256 in manifest.json, with the "
                              f"case's hash-chained events (last hash {report['chain_head']}). Check it with: "
                              f"pantau verify-bundle FILE"])]


def render_pdf(report: dict) -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    if (_FONT_DIR / "DejaVuSans.ttf").exists():
        pdf.add_font("body", "", str(_FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("body", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
        family = "body"
        clean = str
    else:  # core fonts only know Latin-1
        family = "Helvetica"
        clean = lambda s: s.encode("latin-1", "replace").decode("latin-1")  # noqa: E731
    pdf.add_page()
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 8, clean(f"Pantau case {report['case']['id']}: report of below-cost selling"), **_NEXT)
    pdf.set_font(family, "", 9)
    pdf.multi_cell(0, 5, clean(f"Generated {when(report['generated_at'])}. Case opened "
                               f"{when(report['case']['opened_at'])}, escalated "
                               f"{when(report['case']['escalated_at'])}."), **_NEXT)
    for title, lines in _sections(report):
        pdf.ln(3)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, clean(title), **_NEXT)
        pdf.set_font(family, "", 9)
        for line in lines:
            pdf.multi_cell(0, 5, clean(line), **_NEXT)
    return bytes(pdf.output())
