"""Where api.php is, from the URL a user gives (pure)."""

from __future__ import annotations

import pytest

from wikisync.sources.site import SiteAddress, candidate_addresses, user_agent


@pytest.mark.parametrize(
    ("url", "first"),
    [
        ("https://wiki.example.org", SiteAddress("https", "wiki.example.org", "/")),
        ("https://wiki.example.org/", SiteAddress("https", "wiki.example.org", "/")),
        ("http://127.0.0.1:8080/w/", SiteAddress("http", "127.0.0.1:8080", "/w/")),
        ("http://127.0.0.1:8080/w", SiteAddress("http", "127.0.0.1:8080", "/w/")),
        ("https://wiki.example.org/w/api.php", SiteAddress("https", "wiki.example.org", "/w/")),
        ("https://wiki.example.org/index.php", SiteAddress("https", "wiki.example.org", "/")),
    ],
)
def test_candidate_addresses_accepts_root_script_path_and_api(url: str, first: SiteAddress) -> None:
    assert candidate_addresses(url)[0] == first


def test_candidate_addresses_tries_w_after_root() -> None:
    urls = [a.api_url for a in candidate_addresses("https://wiki.example.org")]
    assert urls == ["https://wiki.example.org/api.php", "https://wiki.example.org/w/api.php"]


def test_candidate_addresses_article_path_suggests_script_path() -> None:
    urls = [a.api_url for a in candidate_addresses("https://wiki.example.org/wiki/")]
    assert urls[1] == "https://wiki.example.org/w/api.php"


@pytest.mark.parametrize("url", ["ftp://wiki.example.org", "wiki.example.org", "https:///w/"])
def test_candidate_addresses_rejects_non_http(url: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        candidate_addresses(url)


def test_user_agent_names_wikisync_version_and_contact() -> None:
    agent = user_agent("ops@example.org")
    assert agent.startswith("wikisync/")
    assert "ops@example.org" in agent
