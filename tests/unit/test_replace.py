"""``replace``: what it leaves alone, tried hard to break, and its bounds."""

from __future__ import annotations

import time
from typing import Any

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.replace import (
    MAX_TEXT_BYTES,
    PROTECTED,
    ReplaceError,
    compile_replace,
    replace_text,
)

PAGE = (
    "{{Event|place=Lyon|Lyon=Lyon}}\n"
    "[[Lyon|à Lyon]] [[Lyon]]s <!-- Lyon --> <nowiki>Lyon</nowiki> <pre>Lyon</pre>\n"
    "<syntaxhighlight lang=text>Lyon</syntaxhighlight> <math>Lyon</math>\n"
    "{{#if:Lyon|Lyon}} {{Lyon}} {{ Lyon <!-- c --> | Lyon }} Lyon\n"
)


def _replace(text: str, pattern: str, replacement: str, **kwargs: object) -> str:
    return replace_text(text, compile_replace(pattern, replacement, **kwargs)).text  # type: ignore[arg-type]


def test_replace_leaves_protected_parts_alone_and_replaces_the_rest() -> None:
    result = replace_text(PAGE, compile_replace("Lyon", "Lugdunum"))
    assert result.text == (
        "{{Event|place=Lugdunum|Lyon=Lugdunum}}\n"
        "[[Lyon|à Lugdunum]] [[Lyon]]s <!-- Lyon --> <nowiki>Lyon</nowiki> <pre>Lyon</pre>\n"
        "<syntaxhighlight lang=text>Lyon</syntaxhighlight> <math>Lyon</math>\n"
        "{{#if:Lugdunum|Lugdunum}} {{Lyon}} {{ Lyon <!-- c --> | Lugdunum }} Lugdunum\n"
    )
    assert (result.replaced, result.left) == (7, 10)


@pytest.mark.parametrize(
    ("part", "changed"),
    [
        ("comments", "<!-- X -->"),
        ("nowiki", "<nowiki>X</nowiki>"),
        ("pre", "<pre>X</pre>"),
        ("template-names", "{{X}}"),
        ("parameter-names", "|X=X}}"),
        ("link-targets", "[[X|à X]]"),
    ],
)
def test_replace_include_opens_one_part_and_only_that_one(part: str, changed: str) -> None:
    text = _replace(PAGE, "Lyon", "X", include=(part,))
    assert changed in text
    alone = _replace(PAGE, "Lyon", "X")
    assert changed not in alone
    for other in set(PROTECTED) - {part}:
        # what another part protects is still protected
        assert _replace(PAGE, "Lyon", "X", include=(other,)).count("Lyon") > text.count("Lyon") - 4


def test_replace_with_everything_included_is_a_plain_regex_replace() -> None:
    import re

    assert _replace(PAGE, "Lyon", "X", include=PROTECTED) == re.sub("Lyon", "X", PAGE)


@pytest.mark.parametrize(
    ("pattern", "replacement", "expected"),
    [
        # a match that reaches into a comment is left whole, not cut
        (r"Lyon <!--", "Paris <!--", "a Lyon <!-- Lyon --> b"),
        # a match across a link target: left whole
        (r"\[\[Lyon", "[[Paris", "a Lyon <!-- Lyon --> b"),
        # a pattern that would eat a comment's end cannot break it open
        (r"-->", "", "a Lyon <!-- Lyon --> b"),
        (r"<!--", "", "a Lyon <!-- Lyon --> b"),
        # backreferences and named groups
        (r"(L)(yon)", r"\2\1", "a yonL <!-- Lyon --> b"),
        (r"(?P<city>Lyon)", r"[[\g<city>]]", "a [[Lyon]] <!-- Lyon --> b"),
        # an empty match (a lookahead): never inside a protected part
        (r"(?=L)", "|", "a |Lyon <!-- Lyon --> b"),
        # overlapping candidates: finditer takes them left to right, never twice
        (r"aa", "b", "a Lyon <!-- Lyon --> b"),
    ],
)
def test_replace_hostile_patterns_never_touch_a_comment(
    pattern: str, replacement: str, expected: str
) -> None:
    assert _replace("a Lyon <!-- Lyon --> b", pattern, replacement) == expected


def test_replace_overlapping_matches_and_multiline_flags() -> None:
    assert _replace("aaaa", "aa", "b") == "bb"
    assert _replace("aaa", "(?=aa)", "-") == "-a-aa"
    assert _replace("x\n<pre>\nx\n</pre>\nx", "(?m)^x$", "y") == "y\n<pre>\nx\n</pre>\ny"
    assert _replace("A a", "a", "b", ignore_case=True) == "b b"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    words=st.lists(st.sampled_from(["Lyon", "vélo", " ", "\n", "|", "=", "x"]), max_size=12),
    pattern=st.sampled_from(["Lyon", ".", r"\s+", "o", "(?s).*", "[^|]+", "<", "-"]),
)
def test_replace_never_changes_a_protected_part_property(words: list[str], pattern: str) -> None:
    body = "".join(words)
    text = f"{body}<!--{body}-->{{{{T{body}|n{body}={body}}}}}<nowiki>{body}</nowiki>[[P{body}]]"
    new = _replace(text, pattern, "Z")
    before = mwparserfromhell.parse(text)
    after = mwparserfromhell.parse(new)
    # every protected part of the page is still there, in order (the replace may make new
    # markup out of text, "[[P\n]]" becoming a link: that text was not protected)
    for kind in (_comments, _template_names, _param_names, _link_targets):
        assert _in_order(kind(before), kind(after)), (kind.__name__, text, new)
    assert "<nowiki>" + body + "</nowiki>" in new


def _comments(code: Any) -> list[str]:
    return [str(c) for c in code.filter_comments()]


def _template_names(code: Any) -> list[str]:
    return [str(t.name) for t in code.filter_templates()]


def _param_names(code: Any) -> list[str]:
    return [str(p.name) for t in code.filter_templates() for p in t.params if p.showkey]


def _link_targets(code: Any) -> list[str]:
    return [str(link.title) for link in code.filter_wikilinks()]


def _in_order(wanted: list[str], found: list[str]) -> bool:
    rest = iter(found)
    return all(any(item == other for other in rest) for item in wanted)


@pytest.mark.parametrize(
    ("pattern", "replacement", "kind", "message"),
    [
        ("(Lyon", "x", "pattern", 'the pattern "(Lyon" is not a regular expression'),
        ("Ly[on", "x", "pattern", "is not a regular expression"),
        ("(Lyon)", r"\2", "replacement", 'the replacement "\\2" cannot be used'),
        ("(Lyon)", r"\g<nope>", "replacement", "unknown group"),
        ("Lyon", "x\\", "replacement", "cannot be used"),
    ],
)
def test_compile_replace_refuses_a_bad_pattern_or_replacement(
    pattern: str, replacement: str, kind: str, message: str
) -> None:
    with pytest.raises(ReplaceError, match=message.replace("\\", "\\\\").replace("(", r"\(")) as e:
        compile_replace(pattern, replacement)
    assert e.value.kind == kind


def test_compile_replace_refuses_an_unknown_part() -> None:
    with pytest.raises(ReplaceError, match='unknown part "headings"'):
        compile_replace("a", "b", include=("headings",))


@pytest.mark.parametrize(
    ("pattern", "text"), [(r"(a|aa)+b", "a" * 60), (r"(a|aa)+$", "a" * 60 + "!")]
)
def test_replace_catastrophic_pattern_stops_at_its_time_bound(pattern: str, text: str) -> None:
    change = compile_replace(pattern, "c", timeout=0.2)
    clock = time.perf_counter()
    with pytest.raises(ReplaceError, match=r'page "P": the pattern .* ran longer than 0.2 s') as e:
        replace_text(text, change, title="P")
    assert time.perf_counter() - clock < 5
    assert e.value.kind == "timeout" and e.value.title == "P"


def test_replace_refuses_a_text_past_the_wikis_size_limit() -> None:
    change = compile_replace("a", "b" * 1000)
    with pytest.raises(ReplaceError, match="larger than 2048 KiB") as e:
        replace_text("a" * 3000, change, title="P")
    assert e.value.kind == "size"
    assert len(replace_text("a" * 2000, change).text) <= MAX_TEXT_BYTES


def test_replace_on_a_page_holding_every_private_use_character_still_protects() -> None:
    every = "".join(chr(c) for c in range(0xE000, 0xF900))
    done = replace_text(f"Lyon [[Lyon]] <!-- Lyon --> {every}", compile_replace("Lyon", "L"))
    assert (done.text, done.replaced, done.left) == (f"L [[Lyon]] <!-- Lyon --> {every}", 1, 2)


def test_replace_on_a_page_of_many_protected_parts_takes_linear_time() -> None:
    # 24,000 protected parts: a search of the whole tree per part took minutes on such pages
    text = "Lyon {{x|Lyon}} [[Lyon|Lyon]] <!-- Lyon --> " * 6000
    started = time.perf_counter()
    done = replace_text(text, compile_replace("Lyon", "L"))
    assert time.perf_counter() - started < 10
    assert (done.replaced, done.left) == (18000, 12000)
    assert done.text == "L {{x|L}} [[Lyon|L]] <!-- Lyon --> " * 6000


@pytest.mark.parametrize("pattern", ["", "x*", ".*?", "a|", r"\s*", "y?", r"\B"])
def test_replace_refuses_a_pattern_that_matches_the_empty_string_everywhere(pattern: str) -> None:
    # It would put the replacement between every two characters of every page.
    with pytest.raises(ReplaceError, match="matches the empty string between any two"):
        compile_replace(pattern, "|")


@pytest.mark.parametrize("pattern", [r"(?m)^", r"\b", r"(?=Lyon)", r"$"])
def test_replace_takes_an_empty_match_at_some_places_only(pattern: str) -> None:
    assert compile_replace(pattern, "|").pattern.pattern == pattern
