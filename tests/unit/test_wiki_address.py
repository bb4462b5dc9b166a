"""Where api.php is, from the URL a user gives (pure)."""

from __future__ import annotations

import pytest

from wikisync.wiki.address import (
    SiteAddress,
    api_from_page,
    candidate_addresses,
    is_loopback,
    plain_http_warning,
    redact_url,
    url_credentials,
    user_agent,
)


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


@pytest.mark.parametrize(
    ("url", "first"),
    [
        ("https://h.org/index.php/Accueil", SiteAddress("https", "h.org", "/")),
        ("https://h.org/w/index.php?title=Accueil", SiteAddress("https", "h.org", "/w/")),
        ("https://h.org/w/index.php/Cat%C3%A9gorie:X", SiteAddress("https", "h.org", "/w/")),
        ("https://bob:pw@h.org/w/api.php", SiteAddress("https", "h.org", "/w/")),
    ],
)
def test_candidate_addresses_page_urls_through_index_php(url: str, first: SiteAddress) -> None:
    assert candidate_addresses(url) == [first]


def test_candidate_addresses_page_url_tries_given_path_then_script_paths() -> None:
    urls = [a.api_url for a in candidate_addresses("https://h.org/fr/wiki/Accueil")]
    assert urls == [
        "https://h.org/fr/wiki/Accueil/api.php",
        "https://h.org/fr/w/api.php",
        "https://h.org/w/api.php",
        "https://h.org/api.php",
    ]


def test_candidate_addresses_never_echo_a_password() -> None:
    with pytest.raises(ValueError) as info:
        candidate_addresses("https://bob:s3cret@h.org/x/load.php")
    assert "s3cret" not in str(info.value)
    assert "bob:***@h.org" in str(info.value)


@pytest.mark.parametrize(
    ("html", "api"),
    [
        (
            '<link rel="EditURI" type="application/rsd+xml" href="//h.org/w/api.php?action=rsd"/>',
            "https://h.org/w/api.php",
        ),
        ("<LINK HREF='/api.php?action=rsd' REL='EditURI'>", "https://h.org/api.php"),
        (
            '<link rel="EditURI" href="http://h.org/mw/api.php?action=rsd&amp;x=1">',
            "http://h.org/mw/api.php",
        ),
        ('<link rel="stylesheet" href="/w/api.php">', None),
        ('<link rel="EditURI" href="/w/index.php?action=rsd">', None),
        ('<link rel="EditURI" href="javascript:alert(1)//api.php">', None),
        ("<html><head><title>no link</title>", None),
        ('<link rel="EditURI" href="', None),
    ],
)
def test_api_from_page_reads_the_edituri_link(html: str, api: str | None) -> None:
    found = api_from_page(html, "https://h.org/wiki/Accueil")
    assert (found.api_url if found else None) == api


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://bob:s3cret@h.org/w/", "https://bob:***@h.org/w/"),
        ("https://bob@h.org/w/", "https://bob@h.org/w/"),
        ("https://h.org/w/", "https://h.org/w/"),
        ("https://bob:p%40ss@h.org:8443/", "https://bob:***@h.org:8443/"),
    ],
)
def test_redact_url_hides_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_url_credentials_are_decoded() -> None:
    assert url_credentials("https://bob:p%40ss@h.org/") == ("bob", "p@ss")
    assert url_credentials("https://h.org/") is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("localhost", True),
        ("[::1]", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("wiki.example.org", False),
        ("localhost.example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_plain_http_login_to_another_host_warns_once() -> None:
    remote = SiteAddress("http", "wiki.example.org", "/w/")
    warning = plain_http_warning(remote, "WikiBot@sync", basic_auth=False)
    assert warning is not None and "plain http" in warning and "\n" not in warning
    assert plain_http_warning(remote, None, basic_auth=True) is not None
    assert plain_http_warning(remote, None, basic_auth=False) is None
    assert plain_http_warning(SiteAddress("https", "wiki.example.org", "/w/"), "u", True) is None
    assert plain_http_warning(SiteAddress("http", "127.0.0.1:8080", "/"), "u", True) is None
