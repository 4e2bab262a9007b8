"""promtool on the Prometheus configuration, the rules and their unit tests,
and on every PromQL expression of the dashboards."""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from promserver import PROMTOOL
from series import DEPLOY, RULE_FILES, dashboard_exprs, metric_names, rules

PROM_DIR = DEPLOY / "prometheus"


def promtool(*args: str, cwd=PROM_DIR) -> str:
    done = subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-kubernetes.yml"])
def test_config_is_valid(config):
    out = promtool("check", "config", config)
    # Both configs load the same rule files.
    assert all(p.name in out for p in RULE_FILES)


def test_rules_are_valid():
    promtool("check", "rules", *[str(p) for p in RULE_FILES])


def test_rule_unit_tests_pass():
    out = promtool("test", "rules", *sorted(str(p.relative_to(PROM_DIR)) for p in (PROM_DIR / "tests").glob("*.yml")))
    assert "SUCCESS" in out


def test_every_health_alert_has_a_unit_test_and_a_runbook_entry():
    alerts = {r["alert"] for r in rules() if "alert" in r}
    tested = set()
    for path in (PROM_DIR / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            tested |= {t["alertname"] for t in case.get("alert_rule_test", [])}
    assert alerts - tested == set()
    runbook = (DEPLOY.parent / "docs" / "operations.md").read_text()
    for alert in alerts:
        assert f"### {alert}" in runbook, f"docs/operations.md has no entry for {alert}"
    for rule in rules():
        if "alert" in rule:
            assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"


def test_rules_use_only_bounded_labels():
    bounded = {"job", "instance", "platform", "rule", "severity", "category", "reason", "outcome", "kind", "topic",
               "route", "method", "status", "action", "le", "role"}
    for rule in rules():
        for clause in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", rule["expr"]):
            labels = {label.strip() for label in clause.split(",") if label.strip()}
            assert labels <= bounded, f"{rule.get('record') or rule.get('alert')}: {labels - bounded}"


def test_every_dashboard_expression_parses(tmp_path):
    """promtool parses each panel query as the expression of a recording rule:
    a syntax error or an unknown function fails with the panel named."""
    exprs = dashboard_exprs()
    assert len(exprs) > 30
    groups = [{"name": f"panel-{i}", "rules": [{"record": f"dashboard:check_{i}", "expr": expr}]}
              for i, (_, expr) in enumerate(exprs)]
    path = tmp_path / "dashboard-exprs.yml"
    path.write_text(yaml.safe_dump({"groups": groups}))
    done = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        failing = [where for i, (where, _) in enumerate(exprs) if f"panel-{i}" in done.stdout + done.stderr]
        pytest.fail(f"unparsable queries in {failing or 'dashboards'}:\n{done.stdout}{done.stderr}")


def test_dashboards_read_only_recorded_or_scraped_metrics():
    """Every metric a panel reads is either recorded by deploy/prometheus/rules
    or named by the project's metric contract (pantau_*, process_*, up)."""
    recorded = {r["record"] for r in rules() if "record" in r}
    for where, expr in dashboard_exprs():
        for name in metric_names(expr):
            assert name in recorded or name.startswith(("pantau_", "process_")) or name == "up", f"{where}: {name}"
