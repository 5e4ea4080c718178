"""Every link of the README resolves to a file inside the repository: a reader of a checkout
(or of the repository's web page) never meets a link to a file that is not there."""

from __future__ import annotations

import re
from pathlib import Path

from appliance import ROOT

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_PATH = re.compile(r"`(\.\./[^`]*)`")


def relative_links(text: str) -> list[str]:
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


def test_every_relative_readme_link_resolves_inside_the_repository():
    readme = ROOT / "README.md"
    text = readme.read_text()
    links = relative_links(text)
    assert links, "the README links its docs"
    for target in links:
        path = (readme.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{target} points outside the repository"
        assert path.exists(), f"{target} does not exist"
    # A path written as code is a link too, for the reader: none may leave the repository.
    assert CODE_PATH.findall(text) == []


def test_the_link_check_catches_what_it_should(tmp_path):
    text = "See [a](docs/a.md), [b](../shared/B.md), <https://x.test>, [c](#top), [d](mailto:x)"
    assert relative_links(text) == ["docs/a.md", "../shared/B.md"]
    assert CODE_PATH.findall("see `../shared/PRODUCT.md`") == ["../shared/PRODUCT.md"]
    assert not Path(ROOT / "../shared/B.md").resolve().is_relative_to(ROOT)
