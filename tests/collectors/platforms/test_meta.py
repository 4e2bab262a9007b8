"""Every platform adapter has its test file, and every test file an adapter."""
from pathlib import Path

from collectors.platforms import load_platforms

HERE = Path(__file__).parent


def test_every_adapter_has_a_test_file():
    missing = [name for name in load_platforms() if not (HERE / f"test_{name}.py").is_file()]
    assert not missing, f"adapters without tests/collectors/platforms/test_<name>.py: {missing}"


def test_every_adapter_test_file_has_an_adapter():
    names = {p.stem.removeprefix("test_") for p in HERE.glob("test_*.py")} - {"meta", "registry"}
    assert names <= set(load_platforms())


def test_every_adapter_with_recorded_payloads_keeps_them_in_resources():
    resources = HERE.parents[1] / "resources" / "platforms"
    for name in ("tiktok", "shopee", "youtube", "simulator"):
        assert any((resources / name).iterdir()), name
