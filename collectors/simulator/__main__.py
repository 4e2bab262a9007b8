"""``python -m collectors.simulator [--host H] [--port P] [room ...]``: run the simulator on its own."""
from __future__ import annotations

import argparse
import asyncio
import sys

from collectors.simulator.rooms import load_rooms
from collectors.simulator.server import SimulatorServer
from pantau.errors import UserError


async def serve(host: str, port: int, rooms: list[str] | None) -> None:
    async with SimulatorServer(host=host, port=port, rooms=load_rooms(rooms)) as simulator:
        print(f"simulator at {simulator.base_url}/rooms", flush=True)
        for spec in simulator.stream_specs():
            print(f"{spec.stream_id} ({spec.seller_name}, {spec.merchant_type})", flush=True)
            print(f"  hls:    {spec.url}", flush=True)
            print(f"  flv:    {spec.labels['flv_url']}", flush=True)
            print(f"  events: {spec.events_url}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collectors.simulator", description=__doc__.split(":")[1].strip())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument("rooms", nargs="*", help="room ids (default: all)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port, args.rooms or None))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
