import json

import pytest

from pantau.errors import UserError
from transcription.evaluation import price_scores, prices_heard, read_manifest, spell_idr, word_errors


def test_word_errors_ignore_case_and_punctuation():
    assert word_errors("Dua puluh lima ribu, kak.", "dua puluh lima ribu kak") == (0, 5)
    assert word_errors("a b c", "a x c d") == (2, 3)
    assert word_errors("", "ada") == (1, 0)


def test_price_scores_match_each_price_once():
    assert price_scores([25000, 25000], [25000]) == (1, 2, 1, 1)
    assert price_scores([75000], [70000, 75000]) == (1, 1, 1, 2)


def test_spell_and_hear_prices():
    assert spell_idr(15000) == "lima belas ribu" and spell_idr(300000) == "tiga ratus ribu"
    assert spell_idr(1_500_000) == "satu juta lima ratus ribu" and spell_idr(11000) == "sebelas ribu"
    assert prices_heard([150000, 75000], "tadinya seratus lima puluh ribusaja, sekarang tujuh puluh ribu") == 1


def test_manifest_tsv_and_jsonl(tmp_path):
    (tmp_path / "a.ogg").write_bytes(b"")
    tsv = tmp_path / "m.tsv"
    tsv.write_text("file\ttranscript\tprices\tcondition\na.ogg\tdua ribu\t2000, 3000\tclean\n", encoding="utf-8")
    (rec,) = read_manifest(tsv)
    assert rec.path == tmp_path / "a.ogg" and rec.prices == [2000, 3000] and rec.condition == "clean"
    jl = tmp_path / "m.jsonl"
    jl.write_text(json.dumps({"file": "a.ogg", "transcript": "x", "prices": [5000]}) + "\n", encoding="utf-8")
    (rec,) = read_manifest(jl)
    assert rec.prices == [5000]


def test_bad_manifest_lines_say_where(tmp_path):
    m = tmp_path / "m.tsv"
    m.write_text("a.ogg\tdua ribu\tmahal\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"m.tsv:1"):
        read_manifest(m)
    with pytest.raises(UserError, match="does not exist"):
        read_manifest(tmp_path / "none.tsv")


def test_rendered_manifest_lists_the_committed_files(audio_dir):
    recordings = read_manifest(audio_dir / "manifest.tsv")
    assert len(recordings) >= 8 and all(r.path.is_file() and r.prices for r in recordings)
    assert {"clean", "music", "noise"} <= {r.condition for r in recordings}
