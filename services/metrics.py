"""Prometheus metrics (prometheus-client) of one API process, at /metrics behind a token.

Safe by default: without KINERJA_METRICS_TOKEN the route answers 404, as if it did not exist; with it, only
a request carrying `Authorization: Bearer <token>` is answered (401 otherwise). Each API replica keeps its own
registry: scrape each one.

- `kinerja_http_request_duration_seconds{method,route,status}`: every answer, by route template (never the
  raw path: an unknown address is `route="unmatched"`), status as a class (2xx, 4xx...).
- `kinerja_workflow_update_duration_seconds{workflow,update,outcome}`: each workflow Update the API sends (a
  person's action end to end in Temporal: the Update, its local activity, the event saved).
- `kinerja_read_wait_seconds{outcome}`: reads that waited for the projector to pass a write (read-your-writes).
- `kinerja_projection_position`, `kinerja_projection_head`, `kinerja_projection_lag_events{projection}`: read
  from the database at each scrape, one series per projection (one per agency's log when partitioned).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import refusal
from services.errors import ApiError

log = logging.getLogger(__name__)

ROUTE_KEY = "kinerja.route"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
NO_METRICS = refusal("service.metrics_token", "metrics need the bearer token KINERJA_METRICS_TOKEN names")


class Metrics:
    """The registry of one app, and the instruments the edge, the gateway and the read side feed."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Histogram(
            "kinerja_http_request_duration_seconds",
            "HTTP answers by route template, method and status class",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.updates = Histogram(
            "kinerja_workflow_update_duration_seconds",
            "Workflow Updates sent by the API (a person's action in Temporal), by workflow, update and outcome",
            ["workflow", "update", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.read_waits = Histogram(
            "kinerja_read_wait_seconds",
            "Reads that waited for the projector to pass a write they must see, by outcome (seen, behind)",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._projections: _Projections | None = None

    def watch_projections(self, positions: Callable[[], list[dict[str, Any]]]) -> None:
        """Report each projection's position, head and lag at every scrape (`positions` blocks: a query)."""
        if self._projections is not None:  # an app started again (tests): one collector, the latest read side's
            self.registry.unregister(self._projections)
        self._projections = _Projections(positions)
        self.registry.register(self._projections)

    def update(self, workflow: str, update: str, outcome: str, seconds: float) -> None:
        self.updates.labels(workflow, update, outcome).observe(seconds)


class _Projections(Collector):
    def __init__(self, positions: Callable[[], list[dict[str, Any]]]) -> None:
        self.positions = positions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["projection"]
        position = GaugeMetricFamily("kinerja_projection_position", "Last notification id projected", labels=labels)
        head = GaugeMetricFamily("kinerja_projection_head", "Last notification id of the log followed", labels=labels)
        lag = GaugeMetricFamily("kinerja_projection_lag_events", "Events written and not yet projected", labels=labels)
        try:
            found = self.positions()
        except Exception:
            log.warning("metrics: the projections' positions could not be read", exc_info=True)
            found = []
        for p in found:
            position.add_metric([p["projection"]], p["position"])
            head.add_metric([p["projection"]], p["head"])
            lag.add_metric([p["projection"]], p["behind"])
        yield from (position, head, lag)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # described at scrape time only: no query when registered


class RequestTimer:
    """Times every HTTP answer (pages, API, health) into `kinerja_http_request_duration_seconds`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        noted: dict[str, str] = {}
        scope[ROUTE_KEY] = noted  # middlewares in between copy the scope; this dict travels with the copies

        async def note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, note)
        finally:
            route = noted.get("route", "unmatched")
            self.metrics.requests.labels(scope.get("method", ""), route, f"{status // 100}xx").observe(
                time.perf_counter() - start
            )


class RouteNoted:
    """Innermost: tells RequestTimer (outermost) which route template answered, once routing has run."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = ()) -> None:
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            noted, route = scope.get(ROUTE_KEY), getattr(scope.get("route"), "path", None)
            if isinstance(noted, dict) and route:
                # A route of an included router names its path below the router's prefix (the API's /api/v1).
                path = str(scope.get("path", ""))
                outer = next((p for p in self.prefixes if path.startswith(p + "/") and not route.startswith(p)), "")
                noted["route"] = outer + route


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics: the Prometheus text format, for the bearer of KINERJA_METRICS_TOKEN only (404 without one)."""
    token = request.app.state.settings.metrics_token
    if not token:
        return Response(status_code=404)
    sent = request.headers.get("authorization", "")
    scheme, _, given = sent.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError.of(401, "Unauthenticated", NO_METRICS, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    metrics: Metrics = request.app.state.metrics
    body = await run_in_threadpool(generate_latest, metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
