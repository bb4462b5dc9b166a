"""The race matrix: every saving command x every edit timed into its save window.

Each case runs one command through the CLI, through a fault proxy in front of
a real MediaWiki, while another account (or the bot itself, in another
session) edits, deletes, moves or protects the command's target page either
just before the save request reaches the wiki (``before``) or just after the
wiki saved it and while the reply is lost (``lost_reply``: the command
retries). The wiki's own history then judges the case (tests/race.py):
every other edit is in the latest revision or the page is a conflict with
exit 3; nothing is created or re-created that the command was not asked to
create; no redirect is written over; each page's report word matches the
history.

9 commands x 9 interleavings x 2 moments = 162 cases (ids like
``set-other_line-lost_reply``), all run. One small wiki per module (a few pages of a
type ``course`` beside the default corpus), restored from a snapshot for
every case; one proxy; what ``export``, ``pull`` and ``plan`` make is made
once and copied; retry waits are shortened (``_BACKOFF_BASE``) so that a lost
reply costs milliseconds, not a second.
"""

from __future__ import annotations

import csv
import re
import shutil
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import mwclient
import pytest
from click.testing import CliRunner

import wikisync.wiki.transport
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from tests.race import (
    INTERLEAVINGS,
    MIDDLE,
    MOMENTS,
    SPARE,
    Interleaving,
    Mark,
    Outcome,
    Window,
    judge,
    mark,
)
from wikisync.cli import cli

SNAPSHOT = "race"
PAGE_A = "Course A"
PAGE_B = "Course B"
INDEX = "Index des courses"
NEW = "Course N"

CONFIG = """\
site = "{url}"
user = "{user}"

[types.course]
categories = ["Course"]
templates = ["Fiche"]
[types.course.fields]
statut = "text"
lieu = "text"

[jobs.courses]
type = "course"
page = "{index}"
page_template = "courses.wiki.j2"
"""
INDEX_TEMPLATE = (
    "{% for record in records %}* {{ record.title }} : {{ record.statut }}\n{% endfor %}"
)
SKELETON = """\
Ligne du haut.
{% raw %}{{{% endraw %}{{ infobox }}
{% for param in params %}
|{{ param }}=
{% endfor %}
{% raw %}}}{% endraw %}
Ligne du milieu.
Ligne du bas.
{% for category in categories %}
[[{{ category }}]]
{% endfor %}
"""


def _course(statut: str, lieu: str) -> str:
    return (
        f"Ligne du haut.\n{{{{Fiche\n|statut={statut}\n|lieu={lieu}\n|note=gardée\n}}}}\n"
        f"{MIDDLE}\nLigne du bas.\n[[Catégorie:Course]]"
    )


SEED = {
    "Modèle:Fiche": "<includeonly>Fiche de course.</includeonly>",
    PAGE_A: _course("ouvert", "Lyon"),
    PAGE_B: _course("ouvert", "Lille"),
    INDEX: (
        "Ligne du haut.\n<!-- wikisync:begin courses -->\n<!-- wikisync:end courses -->\n"
        f"{MIDDLE}\nLigne du bas."
    ),
    SPARE: f"Page de brouillon.\n{MIDDLE}",
}


# -- the commands ------------------------------------------------------------------------


def _replace_param(name: str, value: str) -> Callable[[str], str]:
    return lambda text: re.sub(rf"^\|{name}=.*$", f"|{name}={value}", text, count=1, flags=re.M)


def _note_changed(text: str) -> str:
    """Another value in the note field, whatever the command made of its name."""
    return re.sub(r"^\|(note|remarque)=.*$", r"|\1=changée par Admin", text, count=1, flags=re.M)


def _field_added_at_note(text: str) -> str:
    """A field added where the note is (or was, once the command removed it)."""
    if "|note=" in text:
        return _replace_param("note", "changée par Admin\n|ajout=par Admin")(text)
    return re.sub(r"^(\|lieu=.*)$", r"\1\n|ajout=par Admin", text, count=1, flags=re.M)


def _bottom_line_changed(text: str) -> str:
    """Another bottom line, whatever the replace made of it."""
    return re.sub(r"(?m)^Ligne d(u|'en) bas\.$", "Ligne du bas, revue par Admin.", text, count=1)


def _rename_note(text: str) -> str:
    return text.replace("|note=", "|remarque=")


def _remove_note(text: str) -> str:
    return re.sub(r"^\|note=.*\n", "", text, flags=re.M)


HAND_LINE = "* Ligne ajoutée à la main."


def _hand_line_in_index(text: str) -> str:
    end = "<!-- wikisync:end courses -->"
    return text.replace(end, f"{HAND_LINE}\n{end}")


def _export_and_edit(case: Case) -> None:
    sheet = case.work / "courses.csv"
    case.setup("export", "course", "-o", str(sheet))
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["statut"] = "fermé"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _pull_and_edit(case: Case) -> None:
    mirror = case.work / "mirror"
    case.setup("pull", "--page", PAGE_A, "--page", PAGE_B, str(mirror))
    files = [p for p in mirror.glob("*/Course *.wiki")]
    assert len(files) == 2, sorted(str(p) for p in mirror.rglob("*"))
    for path in files:
        path.write_text(path.read_text(encoding="utf-8").replace("|statut=ouvert", "|statut=fermé"))


def _plan(case: Case) -> None:
    case.setup("plan", "courses", "-o", str(case.work / "plan.json"))


@dataclass(frozen=True, slots=True)
class Command:
    """A saving command as a user runs it, and what the interleavings may do to its page.

    Attributes:
        name: the command (the first part of each case id).
        args: the CLI arguments, given the folder of what ``prepare`` made.
        target: the page the interleavings touch.
        pages: every page whose report word is checked.
        same_line: another account's edit of the line or field the command changes, and
            the text of it that must survive (unless the page is reported a conflict).
        own_change: the command's own change to ``target`` (None: not a simple one).
        prepare: what a user does first (export, pull, plan), run without faults into
            ``case.work``; once per module, as every case starts from the same snapshot.
        may_create: the titles the command is asked to create.
    """

    name: str
    args: Callable[[Path], list[str]]
    target: str
    pages: tuple[str, ...]
    same_line: tuple[Callable[[str], str], str]
    own_change: Callable[[str], str] | None = None
    prepare: Callable[[Case], None] | None = None
    may_create: frozenset[str] = frozenset()


COMMANDS = (
    Command(
        "set",
        lambda _: ["set", "course", "statut=fermé"],
        PAGE_A,
        (PAGE_A, PAGE_B),
        (_replace_param("statut", "choisi par Admin"), "|statut=choisi par Admin"),
        _replace_param("statut", "fermé"),
    ),
    Command(
        "rename-param",
        lambda _: ["rename-param", "Fiche", "note", "remarque"],
        PAGE_A,
        (PAGE_A, PAGE_B),
        (_note_changed, "changée par Admin"),
        _rename_note,
    ),
    Command(
        "remove-param",
        lambda _: ["remove-param", "Fiche", "note"],
        PAGE_A,
        (PAGE_A, PAGE_B),
        # The note line goes (that is the command's business) but not the field added there.
        (_field_added_at_note, "|ajout=par Admin"),
        _remove_note,
    ),
    Command(
        "replace",
        lambda _: ["replace", r"(?m)^Ligne du bas\.$", "Ligne d'en bas.", "--prefix", "Course "],
        PAGE_A,
        (PAGE_A, PAGE_B),
        (_bottom_line_changed, "revue par Admin"),
        lambda text: text.replace("Ligne du bas.", "Ligne d'en bas.", 1),
    ),
    Command(
        "import",
        lambda folder: ["import", "course", str(folder / "courses.csv")],
        PAGE_A,
        (PAGE_A, PAGE_B),
        (_replace_param("statut", "choisi par Admin"), "|statut=choisi par Admin"),
        _replace_param("statut", "fermé"),
        prepare=_export_and_edit,
    ),
    Command(
        "new",
        lambda _: ["new", "course", NEW, "statut=neuf", "lieu=Paris"],
        NEW,
        (NEW,),
        (_replace_param("statut", "choisi par Admin"), "|statut=choisi par Admin"),
        may_create=frozenset({NEW}),
    ),
    Command(
        "apply",
        lambda folder: ["apply", str(folder / "plan.json")],
        INDEX,
        (INDEX,),
        (_hand_line_in_index, HAND_LINE),
        prepare=_plan,
    ),
    Command(
        "rebuild",
        lambda _: ["rebuild", "courses"],
        INDEX,
        (INDEX,),
        (_hand_line_in_index, HAND_LINE),
    ),
    Command(
        "push",
        lambda folder: ["push", str(folder / "mirror")],
        PAGE_A,
        (PAGE_A, PAGE_B),
        (_replace_param("statut", "choisi par Admin"), "|statut=choisi par Admin"),
        _replace_param("statut", "fermé"),
        prepare=_pull_and_edit,
    ),
)


def _cases() -> Iterator[object]:
    for command in COMMANDS:
        for interleaving in INTERLEAVINGS:
            for moment in MOMENTS:
                case_id = f"{command.name}-{interleaving.name}-{moment}"
                yield pytest.param(command, interleaving, moment, id=case_id)


# -- the wiki and one case -------------------------------------------------------------


@dataclass
class RaceWiki:
    """The module's wiki, its snapshot, and the two other sessions that edit in the window."""

    wiki: TestWiki
    admin: mwclient.Site
    same_account: mwclient.Site
    proxy: FaultProxy
    #: Where what each command's ``prepare`` made (the same for every case) is kept.
    prepared: Path


def _login(wiki: TestWiki, user: str, password: str) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(user, password)
    return site


@pytest.fixture(scope="module")
def race_wiki(
    tmp_path_factory: pytest.TempPathFactory, wiki_template: TestWiki
) -> Iterator[RaceWiki]:
    """The seeded wiki plus the race pages, logged-in sessions included in its snapshot."""
    base = tmp_path_factory.mktemp("race")
    wiki = wiki_template.clone(base / "wiki", snapshot="seeded")
    wiki.start()
    try:
        admin = _login(wiki, wiki.admin_user, wiki.admin_password)
        for title, text in SEED.items():
            admin.pages[title].edit(text, summary="départ")
        same_account = _login(wiki, wiki.bot_user, wiki.bot_password)
        admin.get_token("csrf")
        same_account.get_token("csrf")
        wiki.maint("runJobs")
        wiki.snapshot(SNAPSHOT)
        with FaultProxy(wiki.port, rate=0.0) as proxy:
            yield RaceWiki(wiki, admin, same_account, proxy, base / "prepared")
    finally:
        wiki.stop()


@dataclass
class Case:
    """One case's folder, configuration and CLI runs."""

    race: RaceWiki
    folder: Path
    env: dict[str, str]
    config: Path = field(init=False)
    since: Mark = field(init=False)

    def __post_init__(self) -> None:
        wiki = self.race.wiki
        self.folder.mkdir()
        self.config = self.folder / "wikisync.toml"
        self.config.write_text(
            CONFIG.format(url=wiki.url, user=wiki.bot_user, index=INDEX), encoding="utf-8"
        )
        (self.folder / "courses.wiki.j2").write_text(INDEX_TEMPLATE, encoding="utf-8")
        (self.folder / "templates" / "new").mkdir(parents=True)
        (self.folder / "templates" / "new" / "course.wiki.j2").write_text(SKELETON)
        self.work.mkdir()

    @property
    def work(self) -> Path:
        """The folder of what the command's ``prepare`` made."""
        return self.folder / "work"

    def prepare(self, command: Command) -> None:
        """Run ``command.prepare`` the first time, then copy what it made."""
        if command.prepare is None:
            return
        made = self.race.prepared / command.name
        if made.is_dir():
            shutil.copytree(made, self.work, dirs_exist_ok=True)
        else:
            command.prepare(self)
            shutil.copytree(self.work, made)

    def run(self, *args: str) -> Outcome:
        """Run ``wikisync -v ARGS`` through the proxy (as ``apply`` needs: where ``plan`` ran)."""
        result = CliRunner().invoke(
            cli,
            ["--config", str(self.config), "--site", self.race.proxy.url, "-v", *args],
            env=self.env,
        )
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            trace = "".join(traceback.format_exception(result.exception))
            raise AssertionError(f"{args}: traceback\n{result.output}\n{trace}")
        return Outcome(result.exit_code, result.output)

    def setup(self, *args: str) -> None:
        outcome = self.run(*args)
        assert outcome.exit_code == 0, f"setup {args}: exit {outcome.exit_code}\n{outcome.output}"


@pytest.fixture
def case(race_wiki: RaceWiki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Case]:
    race_wiki.wiki.restore(SNAPSHOT)
    # A lost reply is retried after 1 s, 2 s…: a few milliseconds here.
    monkeypatch.setattr(wikisync.wiki.transport, "_BACKOFF_BASE", 0.02)
    env = {
        "WIKISYNC_PASSWORD": race_wiki.wiki.bot_password,
        "WIKISYNC_TIMEOUT": "10",
        "WIKISYNC_MAX_WAIT": "20",
        "NO_COLOR": "1",
    }
    race_wiki.proxy.forget()
    yield Case(race_wiki, tmp_path / "case", env)


class _Hook:
    """Runs the interleaving once, in the proxy's thread; keeps what it raised."""

    def __init__(self, interleaving: Interleaving, window: Window) -> None:
        self.interleaving = interleaving
        self.window = window
        self.fired = False
        self.error = ""

    def __call__(self) -> None:
        self.fired = True
        try:
            self.interleaving.act(self.window)
        except Exception:
            self.error = traceback.format_exc()


def _existing(wiki: TestWiki, titles: list[str]) -> dict[str, int]:
    """Each existing page among ``titles`` with its page id."""
    reply = wiki.api(action="query", titles="|".join(titles), prop="info")
    pages = reply["query"]["pages"]
    return {page["title"]: int(page["pageid"]) for page in pages if not page.get("missing")}


@pytest.mark.parametrize(("command", "interleaving", "moment"), list(_cases()))
def test_race(case: Case, command: Command, interleaving: Interleaving, moment: str) -> None:
    race = case.race
    case.prepare(command)
    window = Window(
        race.wiki,
        command.target,
        command.same_line,
        command.own_change,
        race.admin,
        race.same_account,
    )
    hook = _Hook(interleaving, window)
    since = mark(race.wiki)
    existed = _existing(race.wiki, [*command.pages, command.target])
    pageid = existed.get(command.target)  # saves may name the page by its id
    if moment == "before":
        case.race.proxy.intercept("edit", command.target, pageid=pageid, before=hook)
    else:
        case.race.proxy.intercept(
            "edit", command.target, pageid=pageid, fault="reset_after", after=hook
        )
    outcome = case.run(*command.args(case.work))
    assert hook.fired, f"the command sent no save of {command.target}:\n{outcome.output}"
    assert not hook.error, hook.error
    problems = judge(
        race.wiki,
        since=since,
        existed=set(existed),
        may_create=set(command.may_create),
        pages=command.pages,
        window=window,
        outcome=outcome,
    )
    assert not problems, "\n".join([*problems, "-- output:", outcome.output])


# -- the judge itself: it must see a broken promise when the history shows one ----------


def _interleave(name: str, window: Window) -> None:
    next(i for i in INTERLEAVINGS if i.name == name).act(window)


def _judge_after(case: Case, window: Window, output: str, exit_code: int) -> list[str]:
    return judge(
        case.race.wiki,
        since=case.since,
        existed={PAGE_A},
        may_create=set(),
        pages=(PAGE_A,),
        window=window,
        outcome=Outcome(exit_code, output),
    )


@pytest.fixture
def window(case: Case) -> Window:
    race = case.race
    case.since = mark(race.wiki)
    return Window(
        race.wiki,
        PAGE_A,
        (_replace_param("statut", "x"), "|statut=x"),
        None,
        race.admin,
        race.same_account,
    )


def test_judge_sees_an_overwritten_edit(case: Case, window: Window) -> None:
    _interleave("end", window)
    bot = window.same_account.pages[PAGE_A]  # the bot's account, outside the interleaving
    saved = bot.edit(_course("fermé", "Lyon"), summary="écrase")["newrevid"]
    problems = _judge_after(case, window, f'page "{PAGE_A}" edited (+1 -1 lines)', 0)
    assert problems == [
        f"{PAGE_A}: the other edit 'Ajout en bas par Admin.' is not in the latest revision "
        f"(revision {saved} by WikiBot) and the page is not reported as a conflict "
        "with exit 3"
    ]


def test_judge_sees_a_page_created_again(case: Case, window: Window) -> None:
    _interleave("deletion", window)
    window.same_account.pages[PAGE_A].edit("", summary="recrée")
    problems = _judge_after(case, window, f'page "{PAGE_A}" edited (+0 -0 lines)', 0)
    assert f"{PAGE_A}: created by the bot, which was not asked to create it" in problems
    assert any(p.startswith(f"{PAGE_A}: deleted in the window, exists again") for p in problems)


def test_judge_sees_a_word_the_history_contradicts(case: Case, window: Window) -> None:
    window.same_account.pages[PAGE_A].edit(_course("fermé", "Lyon"), summary="robot")
    _interleave("protection", window)
    problems = _judge_after(case, window, f'page "{PAGE_A}" refused: protectedpage', 3)
    assert problems == [f"{PAGE_A}: reported 'refused', but the history holds the bot's save"]
    problems = _judge_after(case, window, f'page "{PAGE_A}" unchanged', 0)
    assert problems == [f"{PAGE_A}: reported 'unchanged', but the history holds the bot's save"]
