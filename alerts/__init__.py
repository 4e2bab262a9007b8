"""alerts: the alert store, HTTP API, live feed, desk page, cases and webhooks.

    >>> service = AlertService(settings)              # doctest: +SKIP
    >>> await service.start()                         # doctest: +SKIP
    >>> app = create_app(service, registry)           # doctest: +SKIP
"""
from alerts.admin import create_token
from alerts.bundle import verify_bundle
from alerts.metrics import AlertMetrics
from alerts.service import AlertService
from alerts.web import create_app

__all__ = ["AlertService", "create_app", "create_token", "verify_bundle", "AlertMetrics"]
