"""The command line: help for every command, one clear line for user errors."""
import subprocess
import sys

import pytest

from pantau.cli import COMMANDS, build_parser

PANTAU = [sys.executable, "-m", "pantau.cli"]


def run(*args, input=None):
    return subprocess.run(PANTAU + list(args), capture_output=True, text=True, input=input, timeout=120)


def test_every_command_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name in ("demo", "run", "extract", "transcribe", "worker", "serve"):
        assert name in sub.choices
        assert sub.choices[name].format_help().startswith("usage: pantau " + name)


@pytest.mark.parametrize(
    "args, message",
    [
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        (["nosuch"], "invalid choice: 'nosuch'"),
        (["serve", "--config", "/nonexistent.toml"], "config file /nonexistent.toml does not exist"),
        (["run", "--stream", "file:///etc/passwd"], "stream URL must be http:// or https://"),
        (["run"], "no streams to watch"),
        (["demo", "--duration", "-1"], "--duration must be a positive number"),
    ],
)
def test_user_errors_are_one_line_without_traceback(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_malformed_config_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[server\nport=")
    proc = run("serve", "--config", str(bad))
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr and "Traceback" not in proc.stderr
