#!/usr/bin/env python3
"""Render Pantau's Indonesian test speech: espeak-ng voices, sox music and noise.

No recordings of real Indonesian live sellers can be shipped, so the test set
is synthetic: host-style sentences with known prices, spoken by espeak-ng's
Indonesian voice in several variants, speeds and pitches, mixed with a
synthetic music bed or noise, encoded as low-bitrate Opus. It writes the
``.ogg`` files and ``manifest.tsv`` (file, transcript, prices, condition) next
to this script. Needs Debian's espeak-ng and sox, and ffmpeg for Opus::

    python tests/resources/audio/render.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, transcript, prices in rupiah)
SCRIPTS = [
    ("kaos", "Halo kakak semua, kaos polos ini harganya cuma dua puluh lima ribu saja. "
             "Bahannya katun, adem dipakai, ayo checkout sekarang.", [25000]),
    ("sepatu", "Sepatu sneakers impor, tadinya seratus lima puluh ribu, sekarang tujuh puluh lima ribu. "
               "Stok terbatas ya kak.", [150000, 75000]),
    ("jam", "Jam tangan ini dari luar negeri, harga normal tiga ratus ribu, "
            "khusus live hari ini seratus dua puluh ribu rupiah.", [300000, 120000]),
    ("hijab", "Hijab segi empat, satu pcs lima belas ribu, beli tiga cuma empat puluh ribu. "
              "Warna lengkap kak, langsung dikirim.", [15000, 40000]),
]

# condition: (espeak voice, words per minute, pitch 0-99, background, background level dB)
CONDITIONS = {
    "clean": ("id", 150, 50, None, 0),
    "fast_female": ("id+f3", 185, 70, None, 0),
    "music": ("id+m3", 160, 40, "music", -14),
    "noise": ("id+f2", 150, 60, "noise", -24),
}


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def render(name: str, text: str, condition: str, tmp: Path) -> Path:
    voice, speed, pitch, background, level = CONDITIONS[condition]
    speech = tmp / f"{name}-{condition}-speech.wav"
    run("espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(speech), text)
    speech16 = tmp / f"{name}-{condition}-16k.wav"
    # half a second of silence on both sides, as between a host's sentences
    run("sox", str(speech), "-r", "16000", "-c", "1", str(speech16), "pad", "0.5", "0.5")
    mixed = speech16
    if background:
        seconds = float(subprocess.run(["soxi", "-D", str(speech16)], check=True, capture_output=True, text=True).stdout)
        bed = tmp / f"{name}-{condition}-bed.wav"
        if background == "music":
            # a simple chord with a pulse: steady tonal energy under the voice
            run("sox", "-n", "-r", "16000", "-c", "1", str(bed), "synth", f"{seconds:.2f}",
                "sine", "220", "sine", "277", "sine", "330", "remix", "-", "tremolo", "2", "60", "gain", str(level))
        else:
            run("sox", "-n", "-r", "16000", "-c", "1", str(bed), "synth", f"{seconds:.2f}", "pinknoise", "gain", str(level))
        mixed = tmp / f"{name}-{condition}-mixed.wav"
        run("sox", "-m", str(speech16), str(bed), str(mixed))
    out = HERE / f"{name}-{condition}.ogg"
    run("ffmpeg", "-y", "-loglevel", "error", "-i", str(mixed), "-c:a", "libopus", "-b:a", "20k", "-ac", "1", str(out))
    return out


def main() -> int:
    rows = ["file\ttranscript\tprices\tcondition"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, prices in SCRIPTS:
            for condition in CONDITIONS:
                out = render(name, text, condition, Path(tmp))
                rows.append(f"{out.name}\t{text}\t{','.join(map(str, prices))}\t{condition}")
                print(out.name, file=sys.stderr)
    (HERE / "manifest.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
