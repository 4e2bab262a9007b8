"""Fixtures for the simulator's tests: a server on a hand-driven clock, HTTP helpers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import aiohttp
import pytest

from collectors.simulator import ManualClock, SimulatorServer, load_rooms


@dataclass
class Playlist:
    """An HLS media playlist, parsed strictly enough to catch what players reject."""

    version: int
    target_duration: int
    media_sequence: int
    discontinuity_sequence: int
    segments: list[tuple[int, float, bool]] = field(default_factory=list)  # (seq, duration, discontinuity before)
    ended: bool = False


def parse_playlist(text: str) -> Playlist:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0] == "#EXTM3U", "a playlist starts with #EXTM3U"
    tags = {}
    segments = []
    duration = None
    discontinuity = False
    ended = False
    for line in lines[1:]:
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            assert re.fullmatch(r"#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line), line
        elif line.startswith("#EXT-X-"):
            name, _, value = line[1:].partition(":")
            tags[name] = value
        elif not line.startswith("#"):
            assert duration is not None, f"segment {line} has no #EXTINF"
            match = re.fullmatch(r"segments/(\d+)\.ts", line)
            assert match, line
            segments.append((int(match.group(1)), duration, discontinuity))
            duration, discontinuity = None, False
    playlist = Playlist(
        version=int(tags["EXT-X-VERSION"]),
        target_duration=int(tags["EXT-X-TARGETDURATION"]),
        media_sequence=int(tags["EXT-X-MEDIA-SEQUENCE"]),
        discontinuity_sequence=int(tags.get("EXT-X-DISCONTINUITY-SEQUENCE", 0)),
        segments=segments,
        ended=ended,
    )
    seqs = [s[0] for s in segments]
    assert seqs == list(range(playlist.media_sequence, playlist.media_sequence + len(seqs)))
    for _, seconds, _ in segments:
        assert round(seconds) <= playlist.target_duration
    return playlist


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def simulator(clock):
    """All shipped rooms on a hand-driven clock."""
    async with SimulatorServer(clock=clock) as server:
        yield server


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def rooms():
    return load_rooms()
