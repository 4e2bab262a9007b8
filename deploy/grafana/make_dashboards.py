"""Writes Pantau's Grafana dashboards (deploy/grafana/dashboards/*.json).

The JSON is generated so that every panel follows the same layout and data
source rules; edit the panels here and run ``python deploy/grafana/make_dashboards.py``.
Prometheus panels read the ``pantau-prometheus`` data source; the seller and
category tables read the alert store through ``pantau-postgres`` (the tables
``alerts`` and ``cases`` defined in alerts/schema.py), because a seller id must
never be a metric label.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

PROMETHEUS = {"type": "prometheus", "uid": "pantau-prometheus"}
POSTGRES = {"type": "grafana-postgresql-datasource", "uid": "pantau-postgres"}
OUT = Path(__file__).resolve().parent / "dashboards"


class Layout:
    """Places panels left to right on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.panels: list[dict] = []
        self.x = self.y = self.row_h = 0

    def add(self, panel: dict, w: int, h: int) -> None:
        if self.x + w > 24:
            self.newline()
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)

    def newline(self) -> None:
        self.y += self.row_h
        self.x = self.row_h = 0

    def row(self, title: str) -> None:
        if self.x:
            self.newline()
        self.panels.append({"id": len(self.panels) + 1, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}, "panels": []})
        self.y += 1


def prom(expr: str, legend: str = "", ref: str = "A", instant: bool = False) -> dict:
    target = {"refId": ref, "datasource": PROMETHEUS, "expr": expr, "legendFormat": legend or "__auto",
              "range": not instant, "instant": instant}
    return target


def sql(query: str, ref: str = "A") -> dict:
    return {"refId": ref, "datasource": POSTGRES, "rawSql": " ".join(query.split()), "format": "table",
            "rawQuery": True, "editorMode": "code"}


def panel(kind: str, title: str, targets: list[dict], unit: str = "short", description: str = "",
          **options) -> dict:
    datasource = targets[0]["datasource"]
    result = {"type": kind, "title": title, "description": description, "datasource": datasource,
              "targets": targets,
              "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
              "options": options}
    return result


def timeseries(title: str, *targets: dict, unit: str = "short", description: str = "", stack: bool = False) -> dict:
    p = panel("timeseries", title, list(targets), unit, description,
              legend={"displayMode": "list", "placement": "bottom", "showLegend": True},
              tooltip={"mode": "multi", "sort": "desc"})
    p["fieldConfig"]["defaults"]["custom"] = {"fillOpacity": 15 if stack else 5,
                                              "stacking": {"mode": "normal" if stack else "none"}}
    return p


def stat(title: str, expr: str, unit: str = "short", description: str = "") -> dict:
    return panel("stat", title, [prom(expr, instant=True)], unit, description,
                 reduceOptions={"calcs": ["lastNotNull"], "fields": "", "values": False},
                 colorMode="value", graphMode="area", textMode="auto")


def bars(title: str, expr: str, legend: str, unit: str = "short", description: str = "") -> dict:
    return panel("bargauge", title, [prom(expr, legend, instant=True)], unit, description,
                 orientation="horizontal", displayMode="gradient",
                 reduceOptions={"calcs": ["lastNotNull"], "fields": "", "values": False})


def table(title: str, target: dict, description: str = "") -> dict:
    return panel("table", title, [target], "short", description, showHeader=True, cellHeight="sm")


def dashboard(uid: str, title: str, description: str, layout: Layout, tags: list[str]) -> dict:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["pantau", *tags],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "links": [],
        "panels": layout.panels,
    }


# Seller tables: the store's alerts within the dashboard's time range.
# created_at/escalated_at are Unix seconds (alerts/schema.py).
TOP_SELLERS_SQL = """
SELECT a.seller_id AS seller, MAX(c.seller_name) AS name, MAX(a.platform) AS platform,
       COUNT(*) AS alerts, SUM(a.count) AS mentions,
       CASE MAX(a.severity_rank) WHEN 4 THEN 'critical' WHEN 3 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END
         AS worst_severity,
       COALESCE(MAX(c.status), 'none') AS "case"
FROM alerts a LEFT JOIN cases c ON c.seller_id = a.seller_id
WHERE a.created_at >= $__unixEpochFrom() AND a.created_at < $__unixEpochTo() AND a.status <> 'dismissed'
GROUP BY a.seller_id
ORDER BY alerts DESC, MAX(a.severity_rank) DESC, seller
LIMIT 10
"""

ALERTS_BY_CATEGORY_SQL = """
SELECT COALESCE(category, 'unknown') AS category, severity, COUNT(*) AS alerts
FROM alerts
WHERE created_at >= $__unixEpochFrom() AND created_at < $__unixEpochTo() AND status <> 'dismissed'
GROUP BY COALESCE(category, 'unknown'), severity
ORDER BY alerts DESC, category, severity
"""

ESCALATED_CASES_SQL = """
SELECT c.seller_name AS seller, c.platform, c.merchant_type,
       to_timestamp(c.escalated_at) AS escalated, c.escalation_reason AS reason,
       (SELECT COUNT(*) FROM alerts a WHERE a.case_id = c.id) AS alerts
FROM cases c
WHERE c.status = 'escalated' AND c.escalated_at >= $__unixEpochFrom() AND c.escalated_at < $__unixEpochTo()
ORDER BY c.escalated_at DESC
LIMIT 20
"""

SQL_QUERIES = {"top_sellers": TOP_SELLERS_SQL, "alerts_by_category": ALERTS_BY_CATEGORY_SQL,
               "escalated_cases": ESCALATED_CASES_SQL}


def overview() -> dict:
    g = Layout()
    g.row("What Pantau watches")
    g.add(stat("Streams watched", "sum(pantau_streams_attached)",
               description="Streams the collectors are attached to."), 4, 4)
    g.add(stat("Streams live now", "sum(pantau_streams_live)"), 4, 4)
    g.add(stat("Alerts (24 h)", "sum(rule_severity:pantau_alerts_raised:increase24h)"), 4, 4)
    g.add(stat("Cases opened (24 h)", "sum(increase(pantau_cases_opened_total[24h]))"), 4, 4)
    g.add(stat("Cases escalated (24 h)", "pantau:cases_escalated:increase24h",
               description="Corroborated cases sent to regulators."), 4, 4)
    g.add(stat("Speech to alert, p95", "max(rule:pantau_speech_to_alert_latency_seconds:p95_5m)", unit="s"), 4, 4)

    g.row("Alerts")
    g.add(timeseries("Alerts by severity (per hour)",
                     prom("sum by (severity) (rate(pantau_alerts_raised_total[$__rate_interval])) * 3600",
                          "{{severity}}"), stack=True), 12, 8)
    g.add(timeseries("Alerts by rule (per hour)",
                     prom("sum by (rule) (rate(pantau_alerts_raised_total[$__rate_interval])) * 3600", "{{rule}}"),
                     stack=True), 12, 8)
    g.add(table("Top sellers by alerts", sql(TOP_SELLERS_SQL),
                "From the alert store (not a metric: seller ids are unbounded). Dismissed alerts excluded."), 14, 9)
    g.add(table("Alerts by category and severity", sql(ALERTS_BY_CATEGORY_SQL),
                "From the alert store; an alert's category is the product category of its offer."), 10, 9)

    g.row("Offers heard and escalations")
    g.add(bars("Offers extracted by category", "sum by (category) (increase(pantau_offers_extracted_total[$__range]))",
               "{{category}}"), 8, 9)
    g.add(timeseries("Cases opened and escalated",
                     prom("sum(increase(pantau_cases_opened_total[$__rate_interval]))", "opened"),
                     prom("sum(increase(pantau_cases_escalated_total[$__rate_interval]))", "escalated", ref="B")),
          6, 9)
    g.add(table("Escalated cases", sql(ESCALATED_CASES_SQL), "Cases sent to regulators in the time range."), 10, 9)
    return dashboard("pantau-overview", "Pantau overview",
                     "What is watched, what it raised, and what went to regulators.", g, ["supervisors"])


def operations() -> dict:
    g = Layout()
    g.row("Roles")
    g.add(panel("stat", "Targets up", [prom('up{job=~"pantau-.*"}', "{{job}} {{instance}}", instant=True)],
                description="1 when Prometheus can scrape the role.", colorMode="background",
                reduceOptions={"calcs": ["lastNotNull"], "fields": "", "values": False}), 8, 5)
    g.add(timeseries("Memory per role",
                     prom('sum by (job) (process_resident_memory_bytes{job=~"pantau-.*"})', "{{job}}"),
                     unit="bytes"), 8, 5)
    g.add(timeseries("CPU per role",
                     prom('sum by (job) (rate(process_cpu_seconds_total{job=~"pantau-.*"}[$__rate_interval]))',
                          "{{job}}"), unit="percentunit"), 8, 5)

    g.row("Collectors")
    g.add(timeseries("Streams attached and live",
                     prom("platform:pantau_streams_attached:sum", "attached {{platform}}"),
                     prom("platform:pantau_streams_live:sum", "live {{platform}}", ref="B")), 8, 8)
    g.add(timeseries("Audio in (seconds per second)", prom("platform:pantau_audio_seconds:rate5m", "{{platform}}"),
                     description="A live stream gives one second per second."), 8, 8)
    g.add(timeseries("Reconnects by reason",
                     prom("sum by (platform, reason) (increase(pantau_collector_reconnects_total[$__rate_interval]))",
                          "{{platform}} {{reason}}"), stack=True), 8, 8)
    g.add(timeseries("Audio gaps (seconds lost per second)",
                     prom("sum by (platform) (rate(pantau_audio_gap_seconds_total[$__rate_interval]))",
                          "{{platform}}")), 8, 8)
    g.add(timeseries("HLS segments by outcome",
                     prom("sum by (outcome) (rate(pantau_hls_segments_total[$__rate_interval]))", "{{outcome}}"),
                     stack=True), 8, 8)
    g.add(timeseries("Platform events and errors",
                     prom("sum by (kind) (rate(pantau_stream_events_total[$__rate_interval]))", "event {{kind}}"),
                     prom("sum by (kind) (rate(pantau_collector_errors_total[$__rate_interval]))", "error {{kind}}",
                          ref="B")), 8, 8)

    g.row("Transcription")
    g.add(timeseries("Real-time factor", prom("max by (job, instance) (pantau_transcription_real_time_factor)",
                                              "{{instance}}"),
                     description="Model seconds per second of audio; above 1 the worker falls behind."), 6, 8)
    g.add(timeseries("Speech to transcript lag",
                     prom("pantau:transcription_lag_seconds:p95_5m", "p95"),
                     prom("histogram_quantile(0.5, sum by (le) "
                          "(rate(pantau_transcription_lag_seconds_bucket[$__rate_interval])))", "p50", ref="B"),
                     unit="s"), 6, 8)
    g.add(timeseries("Queue depth", prom("sum by (instance) (pantau_transcription_queue_depth)", "{{instance}}"),
                     description="Streams with audio waiting for a model pass."), 6, 8)
    g.add(timeseries("Audio transcribed and skipped (s/s)",
                     prom("sum(rate(pantau_transcription_audio_seconds_total[$__rate_interval]))", "transcribed"),
                     prom("sum by (reason) (rate(pantau_transcription_skipped_seconds_total[$__rate_interval]))",
                          "skipped {{reason}}", ref="B")), 6, 8)
    g.add(timeseries("Transcripts and offers per minute",
                     prom("sum(rate(pantau_transcripts_total[$__rate_interval])) * 60", "transcripts"),
                     prom("sum(rate(pantau_offers_extracted_total[$__rate_interval])) * 60", "offers", ref="B")),
          12, 8)
    g.add(stat("Model load time", "max(pantau_model_load_seconds)", unit="s"), 12, 8)

    g.row("Stream processors")
    g.add(timeseries("Records by topic and outcome",
                     prom("sum by (topic, outcome) (rate(pantau_processor_records_total[$__rate_interval]))",
                          "{{topic}} {{outcome}}")), 8, 8)
    g.add(timeseries("Speech to alert latency, p95 by rule",
                     prom("rule:pantau_speech_to_alert_latency_seconds:p95_5m", "{{rule}}"), unit="s"), 8, 8)
    g.add(timeseries("Dead letters", prom("sum by (reason) (increase(pantau_dead_letters_total[$__rate_interval]))",
                                          "{{reason}}")), 8, 8)

    g.row("Kafka and Faust (distributed mode)")
    g.add(timeseries("Consumer lag by topic", prom("topic:pantau_kafka_consumer_lag:sum", "{{topic}}"),
                     description="Messages not yet committed, summed over each role's workers."), 8, 8)
    g.add(timeseries("Events processed by topic", prom("job_topic:pantau_faust_events:rate5m", "{{job}} {{topic}}")),
          8, 8)
    g.add(timeseries("Produce and commit latency, p95",
                     prom("histogram_quantile(0.95, sum by (job, le) "
                          "(rate(pantau_faust_send_latency_seconds_bucket[$__rate_interval])))", "send {{job}}"),
                     prom("histogram_quantile(0.95, sum by (job, le) "
                          "(rate(pantau_faust_commit_latency_seconds_bucket[$__rate_interval])))", "commit {{job}}",
                          ref="B"), unit="s"), 8, 8)
    g.add(timeseries("Rebalances and send errors",
                     prom("sum by (job) (increase(pantau_faust_rebalances_total[$__rate_interval]))",
                          "rebalances {{job}}"),
                     prom("sum by (job) (increase(pantau_faust_send_errors_total[$__rate_interval]))",
                          "send errors {{job}}", ref="B")), 12, 8)
    g.add(timeseries("Events in flight", prom("sum by (job) (pantau_faust_events_active)", "{{job}}")), 12, 8)

    g.row("Alert service")
    g.add(timeseries("API latency p95 by route", prom("route:pantau_api_request_duration_seconds:p95_5m", "{{route}}"),
                     unit="s"), 8, 8)
    g.add(timeseries("API requests by status",
                     prom("sum by (status) (rate(pantau_api_request_duration_seconds_count[$__rate_interval]))",
                          "{{status}}"), unit="reqps", stack=True), 8, 8)
    g.add(timeseries("Webhook deliveries by outcome", prom("outcome:pantau_webhook_deliveries:rate5m", "{{outcome}}"),
                     unit="ops", stack=True), 8, 8)
    g.add(timeseries("Alerts stored and staff actions",
                     prom("sum by (severity) (increase(pantau_alerts_stored_total[$__rate_interval]))",
                          "stored {{severity}}"),
                     prom("sum by (action) (increase(pantau_alert_actions_total[$__rate_interval]))",
                          "{{action}}", ref="B")), 12, 8)
    g.add(timeseries("Live feed subscribers", prom("sum(pantau_feed_subscribers)", "subscribers")), 12, 8)
    return dashboard("pantau-operations", "Pantau operations",
                     "Per-role health, lag, throughput and errors.", g, ["operations"])


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for board in (overview(), operations()):
        path = OUT / f"{board['uid']}.json"
        path.write_text(json.dumps(board, indent=2) + "\n", encoding="utf-8")
        print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
