"""Benchmark of the collectors: how many live audio streams one core keeps up with.

One command, every figure from one run, on this machine:

    python benchmarks/bench_collectors.py              # N = 50, 100, 200, 400, 600, 800
    python benchmarks/bench_collectors.py --short      # N = 10, 50 (CI)
    python benchmarks/bench_collectors.py --steps 100 400 --window 20

The simulator runs in its own process (its CPU is not the collectors'); the
collectors run here, attaching N live HLS streams at once (audio only, the
generic adapter, as "collection alone" is meant) and handing 2 s chunks to a
counting sink. For each N, after a warm-up, it measures over a window:
- CPU of the collector process, per stream (share of one core) and per
  second of audio;
- resident memory added per stream;
- whether N streams were held in real time: every stream got at least the
  window's audio less a segment at each end, no audio was skipped (no gap),
  and all streams together got at least 95 % of the window's audio.
The baseline, measured in the same run, is the floor of the work: decoding
the same segments with PyAV alone, no network, no scheduling. The ratio says
how much the whole collector costs over that floor. The target is 200 audio
streams per core (0.5 % of a core per stream).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collectors import Supervisor  # noqa: E402
from collectors.decoder import AudioDecoder  # noqa: E402
from collectors.simulator import load_rooms  # noqa: E402
from pantau.config import CollectorSettings  # noqa: E402
from pantau.records import StreamSpec  # noqa: E402

TARGET_STREAMS_PER_CORE = 200
TICKS = os.sysconf("SC_CLK_TCK")


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def decode_floor(repeats: int = 3) -> float:
    """CPU seconds per second of audio to decode the rooms' segments with PyAV alone."""
    rooms = load_rooms()
    data = [[room.segment_path(n).read_bytes() for n in range(room.segment_count)] for room in rooms]
    audio = 0.0
    started = time.process_time()
    for _ in range(repeats):
        for segments in data:
            decoder = AudioDecoder()
            for segment in segments:
                audio += len(decoder.decode_segment(segment)) / 32000
    return (time.process_time() - started) / audio


class CountingSink:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.gaps = 0
        self.counting = False

    async def audio(self, chunk) -> None:
        if chunk.gap:
            self.gaps += 1
        elif self.counting:
            self.seconds[chunk.stream_id] += chunk.duration

    async def event(self, event) -> None:
        pass


def start_simulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "collectors.simulator", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()  # "simulator at http://127.0.0.1:PORT/rooms"
    if "simulator at" not in line:
        process.kill()
        raise SystemExit(f"the simulator did not start: {line!r}")
    base = line.split("simulator at ", 1)[1].strip().removesuffix("/rooms")
    return process, base


async def run_step(n: int, base: str, room_ids: list[str], warmup: float, window: float, simulator_pid: int) -> dict:
    settings = CollectorSettings(chunk_seconds=2.0)
    sink = CountingSink()
    supervisor = Supervisor(settings, sink.audio, sink.event)
    rss_before = rss_bytes()
    for i in range(n):
        room = room_ids[i % len(room_ids)]
        await supervisor.attach(StreamSpec(stream_id=f"bench-{i}", url=f"{base}/rooms/{room}/live.m3u8"))
    await asyncio.sleep(warmup)
    gaps_before = sink.gaps
    sink.counting = True
    cpu0, sim0, wall0 = time.process_time(), process_cpu(simulator_pid), time.monotonic()
    await asyncio.sleep(window)
    cpu1, sim1, wall1 = time.process_time(), process_cpu(simulator_pid), time.monotonic()
    sink.counting = False
    rss_after = rss_bytes()
    await supervisor.close()
    elapsed = wall1 - wall0
    per_stream = [sink.seconds.get(f"bench-{i}", 0.0) for i in range(n)]
    audio = sum(per_stream)
    # Segments arrive 2.048 s at a time: one segment of slack at each end of the window.
    kept_up = sum(1 for s in per_stream if s >= elapsed - 2 * 2.048)
    cpu = cpu1 - cpu0
    return {
        "streams": n,
        "window_s": round(elapsed, 2),
        "audio_s": round(audio, 1),
        "realtime_share": round(audio / (n * elapsed), 3),
        "streams_kept_up": kept_up,
        "least_stream_audio_s": round(min(per_stream), 2),
        "gaps": sink.gaps - gaps_before,
        # Held: every stream kept up, nothing skipped, and the loop was not
        # running late (a saturated loop stretches the window and falls behind).
        "held": kept_up == n and sink.gaps == gaps_before and audio / (n * elapsed) >= 0.95,
        "cpu_core_share": round(cpu / elapsed, 3),
        "cpu_per_stream_pct": round(100 * cpu / elapsed / n, 3),
        "cpu_ms_per_audio_s": round(1000 * cpu / audio, 3) if audio else None,
        "rss_per_stream_kib": round((rss_after - rss_before) / n / 1024, 1),
        "simulator_core_share": round((sim1 - sim0) / elapsed, 3),
        # Other work on the machine starves the event loop; say how busy it was.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


async def main_async(args: argparse.Namespace) -> dict:
    floor = decode_floor()
    process, base = start_simulator()
    try:
        room_ids = [room.room_id for room in load_rooms()]
        steps = []
        for n in args.steps:
            step = await run_step(n, base, room_ids, args.warmup, args.window, process.pid)
            step["ratio_vs_decode_floor"] = (
                round(step["cpu_ms_per_audio_s"] / (1000 * floor), 2) if step["cpu_ms_per_audio_s"] else None
            )
            steps.append(step)
            print(
                f"N={n:4d}  held={'yes' if step['held'] else 'NO ':3s}  realtime={step['realtime_share']:.3f}  "
                f"kept up={step['streams_kept_up']} (least {step['least_stream_audio_s']} s)  "
                f"gaps={step['gaps']}  cpu/stream={step['cpu_per_stream_pct']:.3f}% of a core  "
                f"cpu/audio-s={step['cpu_ms_per_audio_s']} ms  ratio vs decode floor={step['ratio_vs_decode_floor']}  "
                f"rss/stream={step['rss_per_stream_kib']} KiB  simulator={step['simulator_core_share']:.2f} core  "
                f"load={step['load_average_1m']}",
                flush=True,
            )
            if not step["held"]:
                break
            await asyncio.sleep(1.0)
    finally:
        process.terminate()
        process.wait(timeout=10)
    held = [s for s in steps if s["held"]]
    best = max(held, key=lambda s: s["streams"]) if held else None
    per_core = round(100 / best["cpu_per_stream_pct"]) if best else 0
    return {
        "baseline_decode_floor_ms_per_audio_s": round(1000 * floor, 3),
        "steps": steps,
        "largest_n_held": best["streams"] if best else 0,
        "projected_streams_per_core": per_core,
        "target_streams_per_core": TARGET_STREAMS_PER_CORE,
        "cpu_count": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[50, 100, 200, 400, 600, 800])
    parser.add_argument("--short", action="store_true", help="N = 10, 50 with a short window (CI)")
    parser.add_argument("--warmup", type=float, default=6.0)
    parser.add_argument("--window", type=float, default=12.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.short:
        args.steps, args.warmup, args.window = [10, 50], 5.0, 8.0
    result = asyncio.run(main_async(args))
    print(
        f"baseline (PyAV decode alone): {result['baseline_decode_floor_ms_per_audio_s']} ms CPU per audio second\n"
        f"largest N held in real time: {result['largest_n_held']} streams "
        f"(the simulator on the other core; {result['cpu_count']} cores here)\n"
        f"projected from CPU per stream: {result['projected_streams_per_core']} streams per core "
        f"(target {TARGET_STREAMS_PER_CORE})"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
