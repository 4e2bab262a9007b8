"""Fixtures for the transcription tests: the real model, loaded once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from pantau.config import ModelSettings, Settings

AUDIO = Path(__file__).resolve().parents[1] / "resources" / "audio"


@pytest.fixture(scope="session")
def audio_dir() -> Path:
    return AUDIO


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_settings() -> ModelSettings:
    return ModelSettings(cpu_threads=2)


@pytest.fixture(scope="session")
def loaded_model(model_cache, model_settings):
    from transcription.model import load_model

    return load_model(model_settings, model_cache)


@pytest.fixture
def settings(model_cache) -> Settings:
    s = Settings()
    s.model.cpu_threads = 2
    s.model.cache_dir = str(model_cache)
    return s
