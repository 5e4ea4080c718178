"""One declared settings list: file, environment, explicit values; clear errors naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appliance.settings import SETTINGS, SettingsError, load

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_config_example_with_its_default():
    text = (ROOT / "config.example.toml").read_text()
    for s in SETTINGS:
        match = re.search(rf"^# {s.name} = (.*)$", text, re.MULTILINE)
        assert match, f"{s.name} is missing from config.example.toml"
        shown = match.group(1)
        if isinstance(s.default, bool):
            assert shown == str(s.default).lower()
        elif isinstance(s.default, int):
            assert shown == str(s.default)
        else:
            assert shown == f'"{s.default}"'
    documented = set(re.findall(r"^# (\w+) = ", text, re.MULTILINE))
    assert documented == {s.name for s in SETTINGS}, "config.example.toml documents extra keys"


def test_defaults_load_without_any_file(tmp_path):
    values = load({"data_dir": str(tmp_path)}, environ={})
    assert values["port"] == 8080 and values["min_group_size"] == 5
    assert values["base_url"] == "http://127.0.0.1:8080"


def test_file_then_environment_then_explicit_values(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('port = 9000\nthreads = 4\norganisation_name = "Jansen"\n')
    values = load({"data_dir": str(tmp_path), "threads": 2}, environ={"APPLIANCE_PORT": "9100"})
    assert (values["port"], values["threads"], values["organisation_name"]) == (9100, 2, "Jansen")


def test_an_explicit_config_file_may_set_the_data_dir(tmp_path):
    cfg = tmp_path / "prod.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "var"}"\n')
    assert load(environ={"APPLIANCE_CONFIG": str(cfg)})["data_dir"] == str(tmp_path / "var")
    assert load({"data_dir": str(tmp_path / "cli")}, config_file=cfg, environ={})[
        "data_dir"
    ] == str(tmp_path / "cli")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("colour = 1", "unknown setting 'colour'"),
        ('port = "eighty"', "setting 'port' (from"),
        ("port = 70000", "must be at most 65535"),
        ("min_group_size = 2", "setting 'min_group_size'"),
        ('default_language = "de"', "must be one of nl, en"),
        ('base_url = "survey.example.nl"', "setting 'base_url'"),
        ('timezone = "Mars/Olympus"', "setting 'timezone'"),
        ("secure_cookies = 3", "setting 'secure_cookies'"),
        ("port = [", "config file"),
    ],
)
def test_a_bad_file_value_stops_with_a_message_naming_the_key(tmp_path, toml, message):
    (tmp_path / "config.toml").write_text(toml + "\n")
    with pytest.raises(SettingsError, match=re.escape(message)):
        load({"data_dir": str(tmp_path)}, environ={})


def test_a_bad_or_unknown_environment_variable_is_named(tmp_path):
    with pytest.raises(SettingsError, match="APPLIANCE_PORT"):
        load({"data_dir": str(tmp_path)}, environ={"APPLIANCE_PORT": "abc"})
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        load({"data_dir": str(tmp_path)}, environ={"APPLIANCE_PROT": "80"})


def test_insecure_cookies_are_refused_with_an_https_base_url(tmp_path):
    with pytest.raises(SettingsError, match="secure_cookies"):
        load(
            {
                "data_dir": str(tmp_path),
                "secure_cookies": False,
                "base_url": "https://survey.example.nl",
            },
            environ={},
        )


def test_the_data_dir_config_cannot_move_the_data_dir(tmp_path):
    (tmp_path / "config.toml").write_text('data_dir = "/elsewhere"\n')
    with pytest.raises(SettingsError, match="data_dir"):
        load({"data_dir": str(tmp_path)}, environ={})
