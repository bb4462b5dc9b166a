"""Credentials are never shown or written, whatever the spelling of the URL (issue 18, item 3)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.config import redact, redact_site, site_credentials, site_without_credentials
from wikisync.wiki.address import candidate_addresses, user_agent

PASSWORD = "Secr3t-unit/pw#x?y@z"

SPELLINGS = [
    "HTTP://bu:{pw}@127.0.0.1:9/",
    "Http://bu:{pw}@wiki.invalid/",
    "http:/bu:{pw}@wiki.invalid",
    "htp://bu:{pw}@wiki.invalid",
    " http://bu:{pw}@127.0.0.1:9/",
    "http:bu:{pw}@wiki.invalid",
    "bu:{pw}@wiki.invalid",
    "http://bu:{pw}@[::1/",
    "http://bu:{pw}@127.0.0.1:9/w/api.php",
    "https://bu:{pw}@wiki.invalid/wiki/Accueil?x=1#top",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("password", [PASSWORD, "plain-Secr3t", "a b€c%2Fd"])
def test_redact_site_hides_the_password_in_every_spelling(spelling: str, password: str) -> None:
    site = spelling.format(pw=password)
    shown = redact_site(site)
    assert password not in shown
    assert "bu:***@" in shown
    assert site_credentials(site) == ("bu", password)
    assert password not in site_without_credentials(site)


def test_redact_finds_urls_inside_any_text() -> None:
    text = f"error: 'HTTP://bu:{PASSWORD}@h/' and (htp://x:{PASSWORD}@h) and Catégorie:X@y"
    shown = redact(text)
    assert PASSWORD not in shown
    assert "Catégorie:X@y" in shown  # no scheme: not a URL, kept


def test_a_url_without_password_is_shown_as_it_is() -> None:
    for url in ("https://wiki.invalid/wiki/Bob@x", "http://bu@wiki.invalid/", "/tmp/m@irror"):
        assert redact_site(url) == url
        assert redact(url) == url


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("command", [["pages", "X"], ["records", "event"], ["pull", "M"]])
def test_cli_never_echoes_a_site_password(
    spelling: str, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WIKISYNC_CACHE", str(tmp_path / "cache.sqlite"))
    monkeypatch.setenv("WIKISYNC_MAX_WAIT", "1")
    monkeypatch.setenv("WIKISYNC_RETRIES", "0")
    site = spelling.format(pw=PASSWORD)
    result = CliRunner().invoke(cli, ["--site", site, "-vv", *command])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert out.count("wikisync: error") == 1
    for part in ("Secr3t", "unit/pw", "x?y"):
        assert part not in out
    assert not list(tmp_path.rglob("*")) or all(
        PASSWORD not in p.read_text("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize(
    "site",
    [
        "http://bu:Se/cr3t@127.0.0.1:9/",
        "http://bu:Se#cr3t@127.0.0.1:9/",
        "http://bu:Se?cr3t@127.0.0.1:9/",
    ],
)
def test_a_password_with_url_delimiters_is_refused_unseen(site: str) -> None:
    with pytest.raises(ValueError, match="percent-encoded") as caught:
        candidate_addresses(site)
    assert "cr3t" not in str(caught.value)


def test_an_unclosed_ipv6_address_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["--site", "http://[::1/", "pages", "X"])
    assert result.exit_code == 2
    assert "not a valid URL: 'http://[::1/' (an IPv6 address without its closing ])" in (
        result.stderr
    )


def test_init_drops_the_site_password_and_says_so(tmp_path: Path) -> None:
    output = tmp_path / "wikisync.toml"
    site = f"https://bu:{PASSWORD}@wiki.invalid/w/"
    result = CliRunner().invoke(cli, ["--site", site, "--user", "Bot@x", "init", "-o", str(output)])
    assert result.exit_code == 0, result.output
    text = output.read_text("utf-8")
    assert PASSWORD not in text and "bu:" not in text
    assert tomllib.loads(text)["site"] == "https://wiki.invalid/w/"
    assert "left the user:password@ part out of site" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout


def test_init_writes_any_site_as_valid_toml(tmp_path: Path) -> None:
    output = tmp_path / "wikisync.toml"
    site = 'https://wiki.invalid/"\n[types.x]\\'
    result = CliRunner().invoke(cli, ["--site", site, "init", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert tomllib.loads(output.read_text("utf-8"))["site"] == site


def test_error_report_holds_no_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    report = tmp_path / "report.json"
    site = f"HTTP://bu:{PASSWORD}@127.0.0.1:9/"
    result = CliRunner().invoke(cli, ["--site", site, "rebuild", "--report", str(report)])
    assert result.exit_code == 2
    if report.exists():
        data = json.loads(report.read_text("utf-8"))
        assert PASSWORD not in json.dumps(data, ensure_ascii=False)
    assert PASSWORD not in result.stderr


@pytest.mark.parametrize(
    ("contact", "sent"),
    [
        ("L\u2019équipe <x@y>", "(L%E2%80%99%C3%A9quipe <x@y>)"),
        ("a\r\nX-Injected: 1", "(a%0D%0AX-Injected: 1)"),
        ("100% bot", "(100%25 bot)"),
        ("\ud800", "%EF%BF%BD)"),
    ],
)
def test_user_agent_is_ascii_whatever_the_contact(contact: str, sent: str) -> None:
    agent = user_agent(contact)
    assert agent.endswith(sent)
    agent.encode("ascii")
