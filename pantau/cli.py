"""The `pantau` command.

Each subcommand builds the settings once (defaults, then ``--config FILE``,
then flags) and hands them to the code it runs. Mistakes the user can fix
(bad flags, a missing model, an unreachable stream, a malformed config) end
with one line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Any, Callable, Optional, Sequence

from pantau import __version__
from pantau.config import Settings, load_settings
from pantau.errors import UserError

__all__ = ["main", "build_parser"]

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML settings file (see README, Configuration)")
    parser.add_argument("--data-dir", metavar="DIR", help="where the database and model cache live")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="logging level")


def _model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="NAME|PATH",
        help="Whisper model: 'base' (assembled from PyPI, the default), a faster-whisper name, or a directory",
    )
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where the model runs")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads for the model (0: automatic)")


def _server_flags(parser: argparse.ArgumentParser, default_port: Optional[int] = None) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=default_port, help="port for the desk, API and /metrics")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pantau",
        description=(
            "Pantau watches live-shopping streams, transcribes what hosts say, extracts the products "
            "and prices they announce, and raises alerts when imported goods are pushed below cost."
        ),
    )
    parser.add_argument("--version", action="version", version=f"pantau {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "demo",
        help="run everything on simulated live rooms and open the alert desk",
        description=(
            "Starts the local live-shopping simulator (an honest local seller and a seller pushing "
            "imports below cost), attaches to its rooms, transcribes them with the real model and "
            "serves the alert desk on 127.0.0.1. With --duration it runs headless for S seconds and "
            "prints one JSON summary line (streams, audio, transcripts, offers, alerts, precision and "
            "recall against the rooms' ground truth)."
        ),
    )
    _common(p)
    _model_flags(p)
    _server_flags(p, default_port=None)
    p.add_argument("--duration", type=float, metavar="S", help="run S seconds headless, then print a summary")

    p = sub.add_parser(
        "run",
        help="watch the streams of a config file (or --stream URLs) in one process",
        description="Embedded mode: collectors, transcription, rules and the alert desk in one process.",
    )
    _common(p)
    _model_flags(p)
    _server_flags(p)
    p.add_argument("--stream", action="append", default=[], metavar="URL", help="an HLS/FLV stream URL to watch")
    p.add_argument("--platform", default="generic", help="platform adapter for --stream URLs")

    p = sub.add_parser("serve", help="serve the alert desk, API and live feed over the alert store")
    _common(p)
    _server_flags(p)

    p = sub.add_parser(
        "extract",
        help="extract offers from utterances on stdin (one per line), JSON lines on stdout",
        description='Reads UTF-8 lines on stdin and writes {"text": ..., "offers": [...]} per line.',
    )

    p = sub.add_parser(
        "transcribe",
        help="transcribe audio files through the streaming worker, JSON lines per segment",
    )
    _common(p)
    _model_flags(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="audio files (any format PyAV reads)")
    p.add_argument("--offers", action="store_true", help="also extract offers from each segment")

    p = sub.add_parser(
        "eval-audio",
        help="word error rate and price recall/precision on labelled recordings",
        description="MANIFEST is a TSV or JSONL of file, reference transcript and prices.",
    )
    _common(p)
    _model_flags(p)
    p.add_argument("manifest", metavar="MANIFEST")

    p = sub.add_parser(
        "worker",
        help="run one distributed role as a Faust worker on Kafka",
        description="Distributed mode: each role consumes and produces Kafka topics; run as many as partitions.",
    )
    _common(p)
    _model_flags(p)
    _server_flags(p)
    p.add_argument("role", choices=["collectors", "transcription", "processors", "alerts"])
    p.add_argument("--broker", metavar="URL", help="Kafka bootstrap, e.g. kafka://127.0.0.1:9092")

    p = sub.add_parser("simulator", help="run the simulated live-shopping platform on its own")
    _server_flags(p, default_port=8600)

    p = sub.add_parser("verify-bundle", help="check a case bundle's integrity offline")
    p.add_argument("file", metavar="FILE")

    p = sub.add_parser("token", help="create an API token (shown once, stored hashed)")
    _common(p)
    p.add_argument("action", choices=["create"])
    p.add_argument("--role", required=True, choices=["viewer", "operator", "regulator", "admin"])
    p.add_argument("--name", required=True)

    p = sub.add_parser("model", help="assemble and verify the default Whisper model")
    _common(p)
    _model_flags(p)
    p.add_argument("action", choices=["fetch", "verify"])
    return parser


def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "data_dir": getattr(args, "data_dir", None),
        "log_level": getattr(args, "log_level", None),
        "model.name": getattr(args, "model", None),
        "model.device": getattr(args, "device", None),
        "model.cpu_threads": getattr(args, "threads", None),
        "server.host": getattr(args, "host", None),
        "server.port": getattr(args, "port", None),
        "kafka.broker": getattr(args, "broker", None),
    }
    return load_settings(getattr(args, "config", None), overrides)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Faust and aiokafka are chatty at INFO.
    for name in ("aiokafka", "faust", "mode", "aiohttp.access", "alembic"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def _run_async(coro) -> int:
    """Run a coroutine until it ends or the user presses Ctrl-C / sends SIGTERM."""
    loop = asyncio.new_event_loop()
    main_task = loop.create_task(coro)
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, main_task.cancel)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        return loop.run_until_complete(main_task) or 0
    except asyncio.CancelledError:
        return 0
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _specs_from_settings(settings: Settings) -> list:
    """The `[[streams]]` tables of the config file as validated StreamSpecs."""
    from pantau.records import StreamSpec

    specs = []
    known = set(StreamSpec._options.fields)
    for i, table in enumerate(settings.streams):
        if not isinstance(table, dict) or "url" not in table:
            raise UserError(f"[[streams]] entry {i + 1} needs at least a url")
        unknown = set(table) - known
        if unknown:
            raise UserError(f"[[streams]] entry {i + 1}: unknown field(s) {', '.join(sorted(unknown))}")
        specs.append(StreamSpec(**{"stream_id": f"stream-{i + 1}", **table}).validate())
    return specs


def cmd_demo(args: argparse.Namespace) -> int:
    if args.duration is not None and args.duration <= 0:
        raise UserError("--duration must be a positive number of seconds")
    from pantau.demo import run_demo

    settings = _settings_from(args)
    _configure_logging(settings)
    return _run_async(run_demo(settings, duration=args.duration))


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings_from(args)
    _configure_logging(settings)
    from pantau.records import StreamSpec

    specs = [StreamSpec(stream_id=f"cli-{i + 1}", url=url, platform=args.platform).validate()
             for i, url in enumerate(args.stream)]
    specs += _specs_from_settings(settings)
    if not specs:
        raise UserError("no streams to watch: give --stream URL or [[streams]] in --config FILE")
    from pantau.demo import run_streams

    return _run_async(run_streams(settings, specs))


def cmd_serve(args: argparse.Namespace) -> int:
    from pantau.demo import serve_alerts

    settings = _settings_from(args)
    _configure_logging(settings)
    return _run_async(serve_alerts(settings))


def cmd_extract(args: argparse.Namespace) -> int:
    from transcription.extraction import extract_offers

    out = sys.stdout
    for raw in sys.stdin:
        line = raw.rstrip("\r\n")
        offers = extract_offers(line)
        out.write(json.dumps({"text": line, "offers": [o.contract() for o in offers]}, ensure_ascii=False))
        out.write("\n")
        out.flush()
    return 0


def cmd_transcribe(args: argparse.Namespace) -> int:
    from transcription.commands import transcribe_files

    settings = _settings_from(args)
    _configure_logging(settings)
    return transcribe_files(args.paths, settings, offers=args.offers, out=sys.stdout)


def cmd_eval_audio(args: argparse.Namespace) -> int:
    from transcription.commands import eval_audio

    settings = _settings_from(args)
    _configure_logging(settings)
    return eval_audio(args.manifest, settings, out=sys.stdout)


def cmd_worker(args: argparse.Namespace) -> int:
    from pantau.distributed import run_worker

    settings = _settings_from(args)
    _configure_logging(settings)
    return run_worker(args.role, settings)


def cmd_simulator(args: argparse.Namespace) -> int:
    from pantau.demo import run_simulator

    return _run_async(run_simulator(args.host or "127.0.0.1", args.port))


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    from alerts.bundle import verify_bundle

    ok, problems = verify_bundle(args.file)
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{args.file}: {'OK' if ok else 'NOT VERIFIED'}")
    return 0 if ok else 1


def cmd_token(args: argparse.Namespace) -> int:
    from alerts import create_token

    settings = _settings_from(args)
    token = asyncio.run(create_token(settings, args.role, args.name))
    print(token)
    print("Store this token now: Pantau keeps only its hash.", file=sys.stderr)
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from transcription.model import ensure_model

    settings = _settings_from(args)
    path = ensure_model(settings.model, settings.model_cache, progress=lambda m: print(m, file=sys.stderr))
    print(path)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo,
    "run": cmd_run,
    "serve": cmd_serve,
    "extract": cmd_extract,
    "transcribe": cmd_transcribe,
    "eval-audio": cmd_eval_audio,
    "worker": cmd_worker,
    "simulator": cmd_simulator,
    "verify-bundle": cmd_verify_bundle,
    "token": cmd_token,
    "model": cmd_model,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"pantau: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
