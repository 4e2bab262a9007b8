"""Render the rooms' host speech into HLS-ready audio.

Run ``python -m collectors.simulator.render [room ...]`` after editing a room
script; the output is committed under ``media/<room>/`` so the demo and the
tests never need text-to-speech. Each line is spoken by espeak-ng's Indonesian
voice, lines are joined with pauses, the room is padded to whole segments and
encoded by ffmpeg into MPEG-TS segments of AAC mono. ``index.json`` records
each segment's duration and each line's start/end in the room's timeline.

``--check`` transcribes each offer line of the rendered audio with Whisper
(``--model DIR``) and prints what it heard, to tune the phrasing.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
import wave
from pathlib import Path

import numpy as np

from collectors.simulator.rooms import MEDIA_DIR, ROOMS_DIR

__all__ = ["render_room", "SAMPLE_RATE", "SEGMENT_SECONDS"]

SAMPLE_RATE = 16_000
# 32 AAC frames of 1024 samples at 16 kHz: every segment holds whole frames,
# so all segments have exactly the same duration.
SEGMENT_SECONDS = 32 * 1024 / SAMPLE_RATE
BITRATE = "24k"
LEAD_IN = 0.4
PAUSE = 0.7


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"render: {tool} not found; install it (Debian: apt-get install {tool})")
    return path


def _speak(text: str, voice: str, speed: int, gap: int) -> tuple[np.ndarray, int]:
    """Speak one line with espeak-ng; returns int16 samples and their rate, silence trimmed."""
    wav = subprocess.run(
        [_require("espeak-ng"), "-v", voice, "-s", str(speed), "-g", str(gap), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
    if loud.size:
        margin = int(0.03 * rate)
        samples = samples[max(0, loud[0] - margin) : loud[-1] + margin]
    return samples, rate


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """To 16 kHz with ffmpeg's resampler (better than any interpolation here)."""
    out = subprocess.run(
        [_require("ffmpeg"), "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-",
         "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-"],
        input=samples.tobytes(), check=True, capture_output=True,
    ).stdout
    return np.frombuffer(out, dtype=np.int16)


def _encode_segments(pcm: np.ndarray, out_dir: Path) -> list[float]:
    """Encode 16 kHz PCM into seg_NNN.ts files; returns their durations."""
    count = len(pcm) // round(SEGMENT_SECONDS * SAMPLE_RATE)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [_require("ffmpeg"), "-loglevel", "error", "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1",
             "-i", "-", "-c:a", "aac", "-b:a", BITRATE, "-ar", str(SAMPLE_RATE), "-ac", "1",
             "-f", "segment", "-segment_time", f"{SEGMENT_SECONDS:.3f}", "-segment_format", "mpegts",
             "-reset_timestamps", "0", str(Path(tmp) / "seg_%03d.ts")],
            input=pcm.tobytes(), check=True, capture_output=True,
        )
        produced = sorted(Path(tmp).glob("seg_*.ts"))
        if len(produced) < count:
            sys.exit(f"render: ffmpeg made {len(produced)} segments, expected {count}")
        for old in out_dir.glob("seg_*.ts"):
            old.unlink()
        # The encoder's priming can spill a last sliver into one extra file;
        # the room is already padded to whole segments, so drop it.
        for path in produced[:count]:
            shutil.copy(path, out_dir / path.name)
    return [SEGMENT_SECONDS] * count


def render_room(script: Path, media_root: Path = MEDIA_DIR) -> Path:
    """Render one room script into ``media_root/<room>/``; returns that folder."""
    data = tomllib.loads(Path(script).read_text(encoding="utf-8"))
    room_id = data.get("id") or Path(script).stem
    speech = data.get("speech", {})
    voice, speed, gap = speech.get("voice", "id"), int(speech.get("speed", 145)), int(speech.get("gap", 2))
    pause = float(speech.get("pause", PAUSE))
    pieces: list[np.ndarray] = [np.zeros(round(LEAD_IN * SAMPLE_RATE), dtype=np.int16)]
    position = LEAD_IN
    lines = []
    for raw in data["lines"]:
        spoken, rate = _speak(raw["text"], voice, speed, gap)
        spoken = _resample(spoken, rate)
        duration = len(spoken) / SAMPLE_RATE
        lines.append({"id": raw["id"], "text": raw["text"], "start": round(position, 3),
                      "end": round(position + duration, 3)})
        pieces += [spoken, np.zeros(round(pause * SAMPLE_RATE), dtype=np.int16)]
        position += duration + pause
    pcm = np.concatenate(pieces)
    per_segment = round(SEGMENT_SECONDS * SAMPLE_RATE)
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % per_segment, dtype=np.int16)])
    out_dir = Path(media_root) / room_id
    out_dir.mkdir(parents=True, exist_ok=True)
    durations = _encode_segments(pcm, out_dir)
    index = {
        "room": room_id,
        "sample_rate": SAMPLE_RATE,
        "codec": "aac",
        "bitrate": BITRATE,
        "voice": f"espeak-ng -v {voice} -s {speed} -g {gap}",
        "segment_seconds": SEGMENT_SECONDS,
        "duration": round(sum(durations), 3),
        "segments": [
            {"file": f"seg_{n:03d}.ts", "duration": d,
             "sha256": hashlib.sha256((out_dir / f"seg_{n:03d}.ts").read_bytes()).hexdigest()}
            for n, d in enumerate(durations)
        ],
        "lines": lines,
    }
    (out_dir / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    return out_dir


def check_room(room_id: str, model_dir: str, prompt: str = "", media_root: Path = MEDIA_DIR) -> None:
    """Print what Whisper hears on each offer line of a rendered room."""
    from faster_whisper import WhisperModel

    from collectors.simulator.media import decode_room_pcm
    from collectors.simulator.rooms import load_rooms

    room = next(r for r in load_rooms([room_id], media_root=media_root))
    audio = decode_room_pcm(room).astype(np.float32) / 32768.0
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    for line in room.lines:
        if not line.offers:
            continue
        clip = audio[max(0, int((line.start - 0.3) * SAMPLE_RATE)) : int((line.end + 0.3) * SAMPLE_RATE)]
        segments, _ = model.transcribe(
            clip, language="id", beam_size=1, vad_filter=False, initial_prompt=prompt or None
        )
        heard = " ".join(s.text.strip() for s in segments)
        prices = ", ".join(f"{o['category']} {o['price_idr']}" for o in line.offers)
        print(f"{room_id}/{line.line_id} [{prices}]\n  said:  {line.text}\n  heard: {heard}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collectors.simulator.render", description=__doc__.split("\n")[0])
    parser.add_argument("rooms", nargs="*", help="room ids (default: every script in rooms/)")
    parser.add_argument("--check", action="store_true", help="transcribe offer lines with Whisper after rendering")
    parser.add_argument("--no-render", action="store_true", help="only --check the committed media")
    parser.add_argument("--model", default="", help="CTranslate2 Whisper model directory for --check")
    parser.add_argument("--prompt", default="", help="decoding prompt for --check (as the transcriber biases it)")
    args = parser.parse_args(argv)
    scripts = sorted(ROOMS_DIR.glob("*.toml"))
    if args.rooms:
        scripts = [ROOMS_DIR / f"{name}.toml" for name in args.rooms]
    for script in scripts:
        if not script.exists():
            sys.exit(f"render: no room script {script}")
        if not args.no_render:
            out = render_room(script)
            size = sum(p.stat().st_size for p in out.iterdir())
            index = json.loads((out / "index.json").read_text())
            print(f"{script.stem}: {len(index['segments'])} segments, {index['duration']:.1f} s, {size / 1e6:.2f} MB")
        if args.check:
            if not args.model:
                sys.exit("render: --check needs --model DIR (a CTranslate2 Whisper model)")
            check_room(script.stem, args.model, args.prompt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
