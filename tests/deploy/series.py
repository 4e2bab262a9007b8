"""What the scrape test expects of a running Pantau, in one place, and every
PromQL expression the dashboards and rules use.

Three kinds of metric:

- ``DEMO_SERIES``: `pantau demo` (embedded mode, simulated rooms, with the
  faults the scrape test injects) must give each of these at least one series.
- ``EVENT_DRIVEN``: registered in every run (their ``# TYPE`` line is served)
  but with series only once a thing happens that the demo does not do; the
  reason is given. Expressions over them are checked to evaluate, and the
  test says that their data was not checked.
- ``DISTRIBUTED_ONLY``: reported only by `pantau worker ...` on Kafka (Faust's
  sensor bridge and the consumer-lag collector of pantau.metrics); the test
  says so for each expression that reads them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULE_FILES = sorted((DEPLOY / "prometheus" / "rules").glob("*.yml"))
DASHBOARD_FILES = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))

DEMO_SERIES = [
    "up",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    # collectors
    "pantau_streams_attached",
    "pantau_streams_live",
    "pantau_audio_seconds_total",
    "pantau_hls_segments_total",
    "pantau_stream_events_total",
    "pantau_collector_reconnects_total",  # the test drops a room's connection
    "pantau_audio_gaps_total",  # ... and corrupts a segment
    "pantau_audio_gap_seconds_total",
    "pantau_collector_errors_total",  # ... and sends garbage on the event WebSocket
    # transcription
    "pantau_transcription_audio_seconds_total",
    "pantau_transcription_processing_seconds_total",
    "pantau_transcription_real_time_factor",
    "pantau_transcription_lag_seconds_bucket",
    "pantau_transcription_queue_depth",
    "pantau_transcripts_total",
    "pantau_transcription_skipped_seconds_total",  # the corrupt segment's gap
    "pantau_offers_extracted_total",
    "pantau_model_load_seconds",
    # stream processors
    "pantau_alerts_raised_total",
    "pantau_speech_to_alert_latency_seconds_bucket",
    "pantau_processor_records_total",
    # alerts
    "pantau_alerts_stored_total",
    "pantau_cases_opened_total",
    "pantau_cases_escalated_total",
    "pantau_api_request_duration_seconds_bucket",  # the test calls the API
    "pantau_alert_actions_total",  # ... acknowledges an alert
    "pantau_webhook_deliveries_total",  # ... and subscribes a webhook
    "pantau_feed_subscribers",
]

EVENT_DRIVEN = {
    "pantau_dead_letters_total": "only for records that cannot be decoded (checked on a real worker by "
                                 "test_prometheus_scrape_worker.py)",
}

DISTRIBUTED_ONLY_PREFIXES = ("pantau_faust_", "pantau_kafka_")

# Grafana's built-in variables, replaced as Grafana would for a short range.
GRAFANA_VARIABLES = {"$__rate_interval": "30s", "$__interval": "15s", "$__range": "5m"}

METRIC_NAME = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[|\)|$|\s)")
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "increase", "deriv", "histogram_quantile",
    "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "topk", "bottomk", "offset", "bool",
    "abs", "delta", "irate", "absent", "clamp_min", "clamp_max", "le", "vector", "scalar", "time",
}


def grafana_to_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def rules() -> list[dict]:
    """Every rule of deploy/prometheus/rules, with its file."""
    found = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                found.append({**rule, "file": path.name})
    return found


def recorded_names() -> set[str]:
    return {r["record"] for r in rules() if "record" in r}


def dashboard_targets() -> list[dict]:
    """Every target of every panel: dashboard, panel title, target dict."""
    found = []
    for path in DASHBOARD_FILES:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                found.append({"dashboard": board["uid"], "panel": panel["title"], "target": target})
    return found


def dashboard_exprs() -> list[tuple[str, str]]:
    """(where, PromQL) for each Prometheus target, Grafana variables replaced."""
    return [(f"{t['dashboard']}: {t['panel']} [{t['target']['refId']}]", grafana_to_promql(t["target"]["expr"]))
            for t in dashboard_targets() if "expr" in t["target"]]


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (label names, functions and
    keywords left out); enough for Pantau's own expressions."""
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_matchers = re.sub(r"\{[^}]*\}", "{}", without_strings)
    without_grouping = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", without_matchers)
    names = set()
    for match in METRIC_NAME.finditer(without_grouping):
        name = match.group(1)
        if name not in PROMQL_WORDS and not re.fullmatch(r"[0-9.]+", name):
            names.add(name)
    return names


def base_metrics(expr: str, recorded: dict[str, str]) -> set[str]:
    """The scraped metrics behind an expression, following recording rules."""
    result = set()
    for name in metric_names(expr):
        if name in recorded:
            result |= base_metrics(recorded[name], recorded)
        else:
            result.add(name)
    return result


def family(name: str) -> str:
    """The metric family a series name belongs to (histogram parts folded)."""
    return re.sub(r"_(bucket|count|sum)$", "", name)


def kind_of(expr: str, recorded: dict[str, str]) -> str:
    """'distributed' when the expression reads a distributed-only metric,
    'event' when it reads an event-driven one, else 'demo'."""
    names = base_metrics(expr, recorded)
    if any(n.startswith(DISTRIBUTED_ONLY_PREFIXES) for n in names):
        return "distributed"
    if any(family(n) in EVENT_DRIVEN for n in names):
        return "event"
    return "demo"
