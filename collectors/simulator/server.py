"""``SimulatorServer``: the simulated live-shopping platform, started and stopped as one.

::

    async with SimulatorServer() as simulator:        # port 0: a free port
        for spec in simulator.stream_specs():          # what Pantau should watch
            print(spec.stream_id, spec.url, spec.events_url)
        ...
        truth = simulator.ground_truth()               # offers said, on the capture timeline

Tests pass ``clock`` (e.g. a ``ManualClock``) or ``speed`` to move rooms faster
than real time.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Optional

from aiohttp import web

from collectors.simulator.app import create_app
from collectors.simulator.live import LiveRoom
from collectors.simulator.rooms import Room, TruthOffer, load_rooms
from pantau.errors import UserError
from pantau.records import StreamSpec

__all__ = ["SimulatorServer"]


class SimulatorServer:
    """Serves ``rooms`` (default: every shipped room) on ``host:port``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rooms: Optional[list[Room]] = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        speed: float = 1.0,
        window: int = 6,
    ) -> None:
        self.host = host
        self.port = port
        self.rooms: list[Room] = list(rooms) if rooms is not None else load_rooms()
        if len({r.room_id for r in self.rooms}) != len(self.rooms):
            raise UserError("simulator rooms must have distinct ids")
        self.clock = clock
        self.speed = speed
        self.window = window
        self.live: dict[str, LiveRoom] = {}
        self.base_url = ""
        self._runner: Optional[web.AppRunner] = None

    async def __aenter__(self) -> "SimulatorServer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        self.live = {r.room_id: LiveRoom(r, self.clock, self.speed, self.window) for r in self.rooms}
        self._runner = web.AppRunner(
            create_app(self.live), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise UserError(f"simulator cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.port = port
        self.base_url = f"http://{self.host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def room_url(self, room_id: str, path: str) -> str:
        return f"{self.base_url}/rooms/{room_id}/{path}"

    def stream_specs(self) -> list[StreamSpec]:
        """One StreamSpec per room: HLS playlist as ``url``, event WebSocket as ``events_url``."""
        specs = []
        for room in self.rooms:
            specs.append(
                StreamSpec(
                    stream_id=room.room_id,
                    url=self.room_url(room.room_id, "live.m3u8"),
                    platform="simulator",
                    seller_id=room.seller_id,
                    seller_name=room.seller_name,
                    events_url=self.room_url(room.room_id, "events").replace("http://", "ws://", 1),
                    labels={
                        "room": room.room_id,
                        "platform_hint": room.platform_hint,
                        "flv_url": self.room_url(room.room_id, "live.flv"),
                    },
                    merchant_type=room.merchant_type,
                )
            )
        return specs

    def ground_truth(self, origins: Optional[dict[str, float]] = None) -> dict[str, list[TruthOffer]]:
        """Every offer spoken so far, per stream, on the capture timeline.

        ``start``/``end`` are seconds from where a client's capture began: the
        first segment (or FLV frame) the room served, unless ``origins`` gives
        a room time per stream. Before any capture they are room-timeline
        seconds. Each loop of the audio repeats the offers with the same
        ``offer_id`` and the next ``loop`` number; offers spoken before the
        capture began are left out; the list runs to now, and at least one whole
        loop past the origin, so every offer of the script is in it.
        """
        truth: dict[str, list[TruthOffer]] = {}
        for room_id, live in self.live.items():
            origin = (origins or {}).get(room_id, live.capture_origin or 0.0)
            horizon = max(live.room_time(), origin + live.loop_seconds)
            occurrences = []
            for loop in range(int(origin // live.loop_seconds), int(horizon // live.loop_seconds) + 1):
                base = loop * live.loop_seconds
                for offer in live.room.truth_offers():
                    start, end = base + offer.start, base + offer.end
                    if end > origin and start <= horizon:
                        occurrences.append(replace(offer, start=start - origin, end=end - origin, loop=loop))
            truth[room_id] = occurrences
        return truth
