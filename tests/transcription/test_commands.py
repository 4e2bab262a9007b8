"""`pantau transcribe` and `pantau eval-audio` through the CLI, with the real model."""
from __future__ import annotations

import json

import pytest

from pantau.cli import main

pytestmark = pytest.mark.model


def run_cli(capsys, *argv) -> tuple[int, list[dict], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    return code, lines, captured.err


def test_transcribe_prints_segments_and_offers(capsys, model_cache, audio_dir):
    path = audio_dir / "kaos-clean.ogg"
    code, lines, _ = run_cli(capsys, "transcribe", str(path), "--offers", "--config",
                             str(_config(model_cache)))
    assert code == 0
    segments = [x for x in lines if x["type"] == "segment"]
    offers = [x for x in lines if x["type"] == "offer"]
    assert segments and all(x["file"] == str(path) for x in segments)
    assert all(s["t0"] <= s["t1"] and s["words"] and {"word", "start", "end", "probability"} <= set(s["words"][0])
               for s in segments if not s["gap"])
    assert [o["price_idr"] for o in offers] == [25000]
    assert offers[0]["span"] and offers[0]["t0"] < offers[0]["t1"]


def test_transcribe_missing_file_is_one_line_error(capsys, tmp_path):
    code = main(["transcribe", str(tmp_path / "none.ogg")])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_eval_audio_scores_wer_and_prices_per_condition(capsys, model_cache, audio_dir, tmp_path):
    manifest = tmp_path / "manifest.tsv"
    rows = [line for line in (audio_dir / "manifest.tsv").read_text().splitlines()
            if line.startswith(("kaos-clean", "hijab-noise"))]
    manifest.write_text("\n".join(f"{audio_dir}/{row}" for row in rows) + "\n")
    code, lines, _ = run_cli(capsys, "eval-audio", str(manifest), "--config", str(_config(model_cache)))
    assert code == 0
    recordings = [x for x in lines if x["type"] == "recording"]
    (summary,) = [x for x in lines if x["type"] == "summary"]
    assert len(recordings) == 2 and {x["condition"] for x in lines if x["type"] == "condition"} == {"clean", "noise"}
    assert all(0 <= r["wer"] <= 1.5 and r["words"] > 10 for r in recordings)
    assert summary["recordings"] == 2 and 0 <= summary["wer"] < 1
    # 25000 in kaos-clean is heard and extracted (see test_transcriber); recall counts it
    assert summary["price_recall"] > 0 and summary["price_precision"] > 0


def _config(model_cache):
    path = model_cache.parent / "pantau-test.toml"
    path.write_text(f'[model]\ncache_dir = "{model_cache}"\ncpu_threads = 2\n')
    return path
