"""A local live-shopping platform for the demo and the tests.

Scripted rooms (``rooms/*.toml``) speak through pre-rendered audio
(``media/``), served as live HLS and HTTP-FLV, with a WebSocket of platform
events, ground truth for every offer, and faults on demand::

    async with SimulatorServer() as simulator:
        specs = simulator.stream_specs()
        ...
        print(score_alerts(alerts, simulator.ground_truth(), heard_until))
"""
from collectors.simulator.faults import FAULT_MODES
from collectors.simulator.live import LiveRoom, ManualClock
from collectors.simulator.rooms import Room, TruthOffer, load_room, load_rooms
from collectors.simulator.scoring import score_alerts
from collectors.simulator.server import SimulatorServer

__all__ = [
    "SimulatorServer",
    "Room",
    "TruthOffer",
    "LiveRoom",
    "ManualClock",
    "load_room",
    "load_rooms",
    "score_alerts",
    "FAULT_MODES",
]
