"""Only the public results live under /public/ (a reverse proxy may expose that prefix alone),
and only the public views and the static export may open the public gate."""

from __future__ import annotations

import tomllib
from pathlib import Path

from appliance.auth.guard import required_action
from appliance.auth.roles import PUBLIC

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_ENDPOINTS = {
    "public.page",
    "public.feed",
    "public.widget",
    "public.widget_reviews",
    "public.asset",
}
GATE_OPENERS = {
    "appliance.publication.gate",
    "appliance.publication.public_views",
    "appliance.publication.export",
    # The staff pages' preview reads through the gate (see pyproject.toml).
    "appliance.publication.views",
}


def test_every_route_under_public_is_a_public_results_endpoint_and_no_other(app):
    under = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/public/") or rule.rule == "/public":
            under[rule.endpoint] = rule
        else:
            assert not rule.endpoint.startswith("public."), rule.rule
    assert set(under) == PUBLIC_ENDPOINTS
    for endpoint, rule in under.items():
        assert required_action(app, endpoint) == PUBLIC, endpoint
        assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, endpoint


def test_the_public_gate_contract_covers_every_other_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}[
        "public-gate-from-public-views"
    ]
    sources = contract["source_modules"]
    assert contract["forbidden_modules"] == ["appliance.publication.gate"]
    for path in sorted((ROOT / "appliance").rglob("*.py")):
        parts = ["appliance", *path.relative_to(ROOT / "appliance").with_suffix("").parts]
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if module in ("appliance", "appliance.publication") or module in GATE_OPENERS:
            continue
        assert any(module == s or module.startswith(s + ".") for s in sources), (
            f"add {module} to the sources of public-gate-from-public-views in pyproject.toml"
        )
