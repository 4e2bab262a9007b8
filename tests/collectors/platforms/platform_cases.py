"""The shared base of the adapter tests: URL tables, and recorded payloads served locally."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from collectors.platforms import load_platforms, platform_for_spec
from pantau.records import StreamSpec

PAYLOADS = Path(__file__).parents[2] / "resources" / "platforms"


def payload(platform: str, name: str) -> Any:
    return json.loads((PAYLOADS / platform / name).read_text(encoding="utf-8"))


def payload_lines(platform: str, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (PAYLOADS / platform / name).read_text(encoding="utf-8").splitlines() if line]


def json_app(routes: dict[str, Any]) -> web.Application:
    """An app answering each path with a recorded JSON payload (query strings ignored)."""
    app = web.Application()
    for path, body in routes.items():

        async def handler(request: web.Request, body: Any = body) -> web.Response:
            return web.json_response(body)

        app.router.add_get(path, handler)
    return app


class PlatformCase:
    """Subclass per adapter: ``name``, and the URLs it must and must not claim."""

    name: ClassVar[str] = ""
    should_match: ClassVar[list[str]] = []
    should_not_match: ClassVar[list[str]] = []

    def platform(self):
        return load_platforms()[self.name]

    def test_is_found_by_scanning_the_package(self):
        assert self.name in load_platforms()

    def test_has_a_header_docstring_saying_what_was_tried(self):
        module = __import__(self.platform().__module__, fromlist=["_"])
        assert module.__doc__ and "Tried against" in module.__doc__

    def test_claims_its_urls(self):
        assert self.should_match, "list at least one URL the adapter serves"
        generic = load_platforms()["generic"]
        for url in self.should_match:
            assert self.platform().match_url(url), url
            assert platform_for_spec(StreamSpec(stream_id="s", url=url, platform=self.name)).name == self.name
            if not generic.match_url(url):
                # A page URL under the default platform is recognised by its pattern.
                assert platform_for_spec(StreamSpec(stream_id="s", url=url)).name == self.name, url

    def test_leaves_other_urls_alone(self):
        for url in self.should_not_match:
            assert not self.platform().match_url(url), url
