import pytest

from pantau.config import ConfigError, load_settings


def test_file_then_flags(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[server]\nport = 9001\nhost = "0.0.0.0"\n[rules]\nbelow_cost_ratio = 1\n[[streams]]\nurl = "http://a/"\n')
    s = load_settings(f, {"server.port": 9002})
    assert s.server.port == 9002 and s.server.host == "0.0.0.0"
    assert s.rules.below_cost_ratio == 1.0 and isinstance(s.rules.below_cost_ratio, float)
    assert s.streams == [{"url": "http://a/"}]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[server]\nport = 'x'\n", "server.port must be int"),
        ("[server]\nnope = 1\n", "unknown setting [server] 'nope'"),
        ("[nosuch]\na = 1\n", "unknown setting 'nosuch'"),
        ("server = 3\n", "must be a table"),
        ("this is not toml", "not valid TOML"),
        ("[transcription]\nvad = 'perhaps'\n", "transcription.vad must be bool"),
    ],
)
def test_bad_config_says_what_is_wrong(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(f)


def test_missing_file():
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings("/nonexistent/pantau.toml")


def test_store_url_defaults_under_data_dir(tmp_path):
    s = load_settings(None, {"data_dir": str(tmp_path)})
    assert s.store_url == f"sqlite+aiosqlite:///{tmp_path / 'pantau.db'}"
    assert s.model_cache == tmp_path / "models"
