"""Where a wiki lives: the addresses tried for a URL, and what a URL may carry.

:func:`candidate_addresses` turns the URL a user gave into the places
``api.php`` may live, :func:`api_from_page` reads it from a page's head, and
:func:`wiki_identity` names a wiki however it is reached. The rest handle what
a URL carries: its ``user:password@`` part (:func:`url_credentials`,
:func:`redact_url`), plain http to another machine (:func:`plain_http_warning`),
and the User-Agent sent with every request (:func:`user_agent`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

from wikisync.__about__ import __version__
from wikisync.config import redact_site


@dataclass(frozen=True, slots=True)
class SiteAddress:
    """Where a wiki's API lives, split the way mwclient wants it."""

    scheme: str
    host: str  # host[:port], never credentials
    path: str  # the script path, with leading and trailing slash: "/w/"

    @property
    def api_url(self) -> str:
        """The full URL of api.php."""
        return f"{self.scheme}://{self.host}{self.path}api.php"


def redact_url(url: str) -> str:
    """``url`` with the password of a ``user:password@`` part replaced by ``***``.

    Any spelling, and never raises (see :func:`wikisync.config.redact_site`).
    """
    return redact_site(url)


def url_credentials(url: str) -> tuple[str, str] | None:
    """The ``(user, password)`` of a URL's ``user:password@`` part, if it has one."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if "@" not in parts.netloc:
        return None
    return unquote(parts.username or ""), unquote(parts.password or "")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def plain_http_warning(address: SiteAddress, user: str | None, basic_auth: bool) -> str | None:
    """The warning due when a password would cross the network unencrypted, else None.

    A login (``user``) or a URL's ``user:password@`` (``basic_auth``) over
    plain http to a host that is not the local machine.
    """
    host = urlsplit(address.api_url).hostname or ""
    if address.scheme != "http" or is_loopback(host):
        return None
    if user:
        return (
            f"logging in as {user} over plain http to {address.host}: the password travels "
            "unencrypted (use https if the wiki offers it)"
        )
    if basic_auth:
        return (
            f"sending the URL's password over plain http to {address.host}: it travels "
            "unencrypted (use https if the wiki offers it)"
        )
    return None


def candidate_addresses(url: str) -> list[SiteAddress]:
    """The places api.php may live for a URL a user gave, most likely first.

    Accepts the site root (``https://wiki.example.org``), the script path
    (``…/w/``), the full ``api.php``/``index.php`` URL, a page URL through
    ``index.php`` (``…/index.php/Accueil``, ``…/index.php?title=Accueil``), over
    http or https. For anything else the path given comes first (it may be a
    script path such as ``/mediawiki``), then the usual script paths: ``/w/``
    beside an article path ``…/wiki/…``, ``/w/`` and the root. (A page URL
    such as ``…/wiki/Accueil`` is best found from the page itself: see
    :func:`api_from_page`; :class:`WikiClient` tries that second.)

    Raises:
        ValueError: the URL is not http(s) or has no host.
    """
    parts = _split_site_url(url)
    host = parts.netloc.rpartition("@")[2]
    path = parts.path or "/"
    script = re.match(r"^(.*?/)(?:api|index)\.php(?:/.*)?$", path)
    if script:
        return [SiteAddress(parts.scheme, host, script.group(1))]
    if path.rsplit("/", 1)[-1].endswith(".php"):
        raise ValueError(f"not a MediaWiki API URL: {redact_url(url)!r}")
    if not path.endswith("/"):
        path += "/"
    paths = [path]
    if "/wiki/" in path:
        # an article path such as https://host/wiki/Accueil: the script path is usually /w/
        paths.append(path[: path.index("/wiki/")] + "/w/")
    paths += ["/w/", "/"]
    unique = list(dict.fromkeys(paths))
    return [SiteAddress(parts.scheme, host, p) for p in unique]


def _split_site_url(url: str) -> SplitResult:
    """``url`` split, or ValueError with a message that never holds its password."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        ipv6 = "IPv6" in str(exc)
        reason = "an IPv6 address without its closing ]" if ipv6 else "a port that is not a number"
        hint = ""
        if not ipv6 and "@" in url:
            hint = "; a password holding /, ?, # or @ must be percent-encoded (%2F, %3F, %23, %40)"
        raise ValueError(f"not a valid URL: {shown!r} ({reason}{hint})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {shown!r}")
    if port == 0:
        raise ValueError(f"not a valid URL: {shown!r} (port 0)")
    return parts


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link" or self.href is not None:
            return
        values = {name.lower(): value or "" for name, value in attrs}
        if "edituri" in values.get("rel", "").lower().split():
            self.href = values.get("href") or None


def api_from_page(html: str, page_url: str) -> SiteAddress | None:
    """The API a wiki page names in its head (``<link rel="EditURI" href=…api.php…>``).

    Args:
        html: the page's HTML (its head is enough).
        page_url: the page's URL, to resolve a relative or protocol-relative link.

    Returns:
        The address, or None when the page has no such link or it does not
        name an ``api.php``.
    """
    finder = _LinkFinder()
    try:
        finder.feed(html)
        finder.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is lenient
        pass
    if not finder.href:
        return None
    try:
        parts = urlsplit(urljoin(page_url, finder.href.strip()))
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if not parts.path.endswith("/api.php"):
        return None
    host = parts.netloc.rpartition("@")[2]
    return SiteAddress(parts.scheme, host, parts.path[: -len("api.php")])


def user_agent(contact: str) -> str:
    """The User-Agent wikisync sends: its name, version and the operator's contact.

    A header holds ASCII only (RFC 9110 5.5): the contact's other characters
    (``L\u2019équipe``) and control characters are sent percent-encoded as UTF-8,
    as in a URL, so any contact works and none can end the header early.

    Example:
        >>> user_agent("L\\u2019équipe <x@y>").endswith("(L%E2%80%99%C3%A9quipe <x@y>)")
        True
    """
    who = contact or "contact not configured"
    return f"wikisync/{__version__} ({_header_text(who)})"


def _header_text(text: str) -> str:
    return "".join(
        char if " " <= char <= "~" and char != "%" else quote(char, safe="")
        for char in text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    )


def wiki_identity(general: Mapping[str, Any], address: SiteAddress) -> str:
    """One string per wiki however it is reached: its server, script path and wiki id.

    From ``meta=siteinfo``'s ``general`` part, as the wiki reports itself
    (``$wgServer``, ``$wgScriptPath``, the database name): the same for every
    spelling of its URL, alias, IP address or proxy in front of it. The scheme
    is left out (one wiki served over http and https is one wiki); host names
    are compared in lower case. A wiki that reports no server (it should) is
    known by the address it was reached at.
    """
    server = str(general.get("server") or "").strip()
    if not server:
        server = f"//{address.host}"
    netloc = urlsplit(server if "//" in server else f"//{server}").netloc.lower()
    script = str(general.get("scriptpath") or "").rstrip("/")
    wiki_id = str(general.get("wikiid") or "")
    return f"{netloc}{script}/ ({wiki_id})" if wiki_id else f"{netloc}{script}/"
