"""WikiWriter against a real MediaWiki: no-op saves, create-only, conflicts of both kinds.

The edits "made meanwhile" are real edits sent through the writer's
``before_edit`` seam: after the check, just before the save request leaves,
as the same account (which MediaWiki does not treat as a conflict) and as
another user (which MediaWiki merges on the server when the lines differ).
"""

from __future__ import annotations

import time
from typing import Any

import mwclient
import pytest

from tests.corpus import Corpus
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.core.errors import EditConflictError, PageDeletedError, PageMovedError, PublishError
from wikisync.core.pages import PageText
from wikisync.wiki.reader import WikiClient, WikiSource
from wikisync.wiki.writer import WikiWriter

TITLE = "Evénements"


def _bot(wiki: TestWiki) -> WikiSource:
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    return WikiSource(WikiClient(wiki.url, config))


def _mwclient(wiki: TestWiki, user: str, password: str) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(user, password)
    return site


def _latest(wiki: TestWiki, title: str) -> dict[str, object]:
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=title,
        rvprop="ids|content|user|comment|flags",
        rvslots="main",
    )
    page = reply["query"]["pages"][0]
    if page.get("missing"):
        return {}
    revision: dict[str, object] = page["revisions"][0]
    return revision


def _read(source: WikiSource, title: str) -> PageText:
    return source.fetch_titles([title]).pages[0]


def test_wiki_writer_same_text_is_nochange(wiki: TestWiki) -> None:
    # A page saved through the API (imported pages keep a final newline that
    # any save strips, so saving one unchanged makes a revision).
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages["Page de test"].edit("Un texte.\n\n[[Catégorie:Essai]]", summary="humain")
    source = _bot(wiki)
    page = _read(source, "Page de test")
    writer = WikiWriter(source.client)
    result = writer.save(page.title, page.wikitext, base=page, summary="rien")
    assert not result.changed
    assert result.revid == page.revid
    assert _latest(wiki, page.title)["revid"] == page.revid


def test_wiki_writer_saves_with_summary_and_flags(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    writer = WikiWriter(source.client, bot=True, minor=True)
    result = writer.save(TITLE, page.wikitext + "\nAjout.", base=page, summary="essai du robot")
    assert result.changed and result.revid > page.revid
    latest = _latest(wiki, TITLE)
    assert latest["revid"] == result.revid
    assert latest["user"] == "WikiBot"
    assert latest["comment"] == "essai du robot"
    assert "minor" in latest


def test_wiki_writer_create_only_refuses_existing_page(wiki: TestWiki, corpus: Corpus) -> None:
    source = _bot(wiki)
    writer = WikiWriter(source.client)
    with pytest.raises(EditConflictError, match="exists already"):
        writer.save(TITLE, "Écrasé !", base=None, summary="création")
    assert _latest(wiki, TITLE)["slots"] == {
        "main": {
            "contentmodel": "wikitext",
            "contentformat": "text/x-wiki",
            "content": corpus.page(TITLE).wikitext,
        }
    }


def test_wiki_writer_create_only_creates_new_page(wiki: TestWiki) -> None:
    source = _bot(wiki)
    result = WikiWriter(source.client).save("Page neuve", "Bonjour.", base=None, summary="new")
    assert result.changed and result.created
    assert _latest(wiki, "Page neuve")["revid"] == result.revid


def test_wiki_writer_conflict_with_another_account(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages[TITLE].edit(page.wikitext + "\nAjout humain.", summary="humain")
    with pytest.raises(EditConflictError, match="changed since it was read"):
        WikiWriter(source.client).save(TITLE, "Texte du robot.", base=page, summary="robot")
    latest = _latest(wiki, TITLE)
    assert latest["user"] == "Admin"
    assert str(latest["slots"]["main"]["content"]).endswith("Ajout humain.")  # type: ignore[index]


def test_wiki_writer_conflict_with_same_account(wiki: TestWiki) -> None:
    # MediaWiki reports no edit conflict for the same account's own edit and
    # overwrites it: the writer sees it in the reply (oldrevid is not the
    # base), and as the edits overlap it puts the other text back.
    source = _bot(wiki)
    page = _read(source, TITLE)
    same = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    same.pages[TITLE].edit(page.wikitext + "\nAutre tâche du robot.", summary="autre tâche")
    with pytest.raises(EditConflictError, match="changed since it was read"):
        WikiWriter(source.client).save(TITLE, "Texte du robot.", base=page, summary="robot")
    latest = _latest(wiki, TITLE)
    assert str(latest["slots"]["main"]["content"]).endswith("Autre tâche du robot.")  # type: ignore[index]


def test_wiki_writer_deleted_page_is_a_conflict(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    _mwclient(wiki, wiki.admin_user, wiki.admin_password).pages[TITLE].delete(reason="test")
    with pytest.raises(EditConflictError, match="was deleted"):
        WikiWriter(source.client).save(TITLE, "Recréée ?", base=page, summary="robot")
    assert _latest(wiki, TITLE) == {}


def test_wiki_writer_refused_edit_is_publish_error(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _read(source, TITLE)
    admin = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    admin.post(
        "protect",
        title=TITLE,
        protections="edit=sysop",
        reason="test",
        token=admin.get_token("csrf"),
    )
    page = _read(source, TITLE)
    with pytest.raises(PublishError, match="was not saved") as info:
        WikiWriter(source.client).save(TITLE, "Interdit.", base=page, summary="robot")
    assert not isinstance(info.value, EditConflictError)


# -- edits made between the check and the save ---------------------------------------

LINES = "Ligne une.\nLigne deux.\nLigne trois.\nLigne quatre.\nLigne cinq.\nLigne six."


def _seed(wiki: TestWiki, source: WikiSource, title: str = "Page partagée") -> PageText:
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages[title].edit(LINES, summary="départ")
    return _read(source, title)


class _Injector:
    """A ``before_edit`` hook that makes one real edit (then does nothing)."""

    def __init__(self, site: mwclient.Site, change: tuple[str, str]) -> None:
        self.site = site
        self.change = change
        self.revid = 0

    def __call__(self, title: str) -> None:
        if self.revid:
            return
        page = self.site.pages[title]
        old, new = self.change
        page.edit(page.text().replace(old, new), summary="modifié pendant la sauvegarde")
        self.revid = int(self.site.pages[title].revision)


def _content(wiki: TestWiki, title: str) -> str:
    return str(_latest(wiki, title)["slots"]["main"]["content"])  # type: ignore[index]


@pytest.mark.parametrize("account", ["same", "other"])
def test_edit_injected_before_the_save_is_merged_back(wiki: TestWiki, account: str) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    if account == "same":
        site = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    else:
        site = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    inject = _Injector(site, ("Ligne six.", "Ligne six, corrigée à la main."))
    writer = WikiWriter(source.client, before_edit=inject)
    ours = page.wikitext.replace("Ligne une.", "Ligne une, par le robot.")
    result = writer.save(page.title, ours, base=page, summary="robot")
    latest = _content(wiki, page.title)
    assert "Ligne six, corrigée à la main." in latest  # the other edit is in
    assert "Ligne une, par le robot." in latest  # and so is ours
    assert latest == LINES.replace("Ligne une.", "Ligne une, par le robot.").replace(
        "Ligne six.", "Ligne six, corrigée à la main."
    )
    assert result.changed and result.merged == inject.revid
    assert result.revid == _latest(wiki, page.title)["revid"]
    assert f"revision {inject.revid}" in result.note and "merged" in result.note


@pytest.mark.parametrize("account", ["same", "other"])
def test_edit_injected_on_the_same_line_is_a_conflict(wiki: TestWiki, account: str) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    if account == "same":
        site = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    else:
        site = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    inject = _Injector(site, ("Ligne trois.", "Ligne trois, à la main."))
    writer = WikiWriter(source.client, before_edit=inject)
    ours = page.wikitext.replace("Ligne trois.", "Ligne trois, par le robot.")
    with pytest.raises(EditConflictError) as info:
        writer.save(page.title, ours, base=page, summary="robot")
    message = str(info.value)
    assert f"revision {inject.revid}" in message and f"revision {page.revid}" in message
    assert "nothing was overwritten" in message
    # The latest revision holds the other edit's text, never the robot's.
    assert _content(wiki, page.title) == LINES.replace("Ligne trois.", "Ligne trois, à la main.")
    latest = _latest(wiki, page.title)
    if latest["revid"] != inject.revid:
        # The wiki saved over it (always for the same account; for another
        # one when both edits fall in the same second, as basetimestamp has
        # one-second precision), then the writer put it back.
        assert latest["user"] == "WikiBot"
        assert f"rétablit la révision {inject.revid}" in str(latest["comment"])
        assert f"put back (revision {latest['revid']})" in message
    else:
        assert account == "other"  # the wiki refused the save as an editconflict


def test_save_is_one_request(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    writer = WikiWriter(source.client)
    source.client.site.get_token("csrf")
    before = source.client.requests
    writer.save(page.title, page.wikitext + "\nAjout.", base=page, summary="robot")
    assert source.client.requests - before == 1


def test_check_latest_refuses_a_stale_page_without_a_request(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    fresh = _seed(wiki, source, "Autre page")
    same = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    same.pages[page.title].edit(LINES + "\nAutre tâche.", summary="autre tâche")
    writer = WikiWriter(source.client)
    before = source.client.requests
    latest = writer.check_latest([page.title, fresh.title, "Page absente"])
    assert source.client.requests - before == 1
    assert latest[fresh.title] == fresh.revid and latest["Page absente"] is None
    before = source.client.requests
    with pytest.raises(EditConflictError, match=f"revision {page.revid}"):
        writer.save(page.title, "Texte du robot.", base=page, summary="robot")
    assert source.client.requests == before
    assert _content(wiki, page.title).endswith("Autre tâche.")


# -- replies lost on the way -----------------------------------------------------------


def test_lost_reply_own_edit_is_reported_edited(wiki: TestWiki) -> None:
    # What a retried save finds after its first reply was lost: the wiki holds
    # the text, saved by this account over the base, and says "nochange".
    source = _bot(wiki)
    page = _seed(wiki, source)
    ours = LINES + "\nAjout du robot."
    same = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    same.pages[page.title].edit(ours, summary="robot")
    saved = int(_latest(wiki, page.title)["revid"])  # type: ignore[call-overload]
    result = WikiWriter(source.client).save(page.title, ours, base=page, summary="robot")
    assert result.changed and result.revid == saved
    assert "lost" in result.note
    assert _latest(wiki, page.title)["revid"] == saved  # nothing saved twice


def test_same_text_saved_by_someone_else_is_unchanged_at_its_revision(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    ours = LINES + "\nAjout commun."
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages[page.title].edit(ours, summary="humain")
    theirs = int(_latest(wiki, page.title)["revid"])  # type: ignore[call-overload]
    result = WikiWriter(source.client).save(page.title, ours, base=page, summary="robot")
    assert not result.changed and result.revid == theirs
    assert _latest(wiki, page.title)["revid"] == theirs


def test_true_no_op_stays_at_the_base(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    result = WikiWriter(source.client).save(page.title, page.wikitext, base=page, summary="rien")
    assert not result.changed and result.revid == page.revid and not result.note


def test_lost_reply_of_a_create_is_reported_created(wiki: TestWiki) -> None:
    source = _bot(wiki)
    same = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    same.pages["Page créée"].edit("Nouveau texte.", summary="robot")
    created = int(_latest(wiki, "Page créée")["revid"])  # type: ignore[call-overload]
    result = WikiWriter(source.client).save("Page créée", "Nouveau texte.", base=None, summary="x")
    assert result.changed and result.created and result.revid == created
    # Someone else's page with that title stays a conflict.
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    human.pages["Page humaine"].edit("Nouveau texte.", summary="humain")
    with pytest.raises(EditConflictError, match="exists already"):
        WikiWriter(source.client).save("Page humaine", "Nouveau texte.", base=None, summary="x")


# -- a lost reply meeting another edit (issue 17) ---------------------------------------
#
# The first try of a save is handled by the wiki but its reply is lost (the
# fault proxy resets the connection after reading the reply); the client waits,
# then sends it again. The test makes its edit in that gap, through the
# client's ``sleep`` (the wait before the retry): MediaWiki then merges the
# retried save into that edit ("nochange"), refuses it ("editconflict"), or,
# when the edit undid the save, applies the save again. Whatever it does, the
# other edit must stay the latest text and the save be reported made, at its
# revision.

OURS = LINES.replace("Ligne deux.", "Ligne deux, par le robot.")

_THEIRS = {
    "end": lambda text: text + "\nLigne ajoutée à la fin.",
    "top": lambda text: "Ligne ajoutée en haut.\n" + text,
    "same line": lambda text: text.replace("Ligne deux, par le robot.", "Ligne deux, revue."),
    "undone": lambda text: LINES,
}


class _EditInTheGap:
    """A client ``sleep`` that, at its first wait (before a retry), makes one edit."""

    def __init__(self, site: mwclient.Site, title: str, change: Any) -> None:
        self.site, self.title, self.change = site, title, change
        self.text = ""

    def __call__(self, seconds: float) -> None:
        # The only fault planned is the lost save reply: the first wait is its retry's.
        # (The proxy records the fault only after resetting the connection.)
        if not self.text:
            page = self.site.pages[self.title]
            self.text = self.change(page.text())
            page.edit(self.text, summary="pendant la nouvelle tentative")
        time.sleep(seconds)


def _history(wiki: TestWiki, title: str) -> list[dict[str, Any]]:
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=title,
        rvlimit=50,
        rvprop="ids|user|content",
        rvslots="main",
    )
    revisions: list[dict[str, Any]] = reply["query"]["pages"][0]["revisions"]
    return revisions


@pytest.mark.parametrize("where", list(_THEIRS))
def test_lost_reply_then_another_accounts_edit_is_kept(wiki: TestWiki, where: str) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    config = Config(
        site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False, timeout=5
    )
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        gap = _EditInTheGap(human, page.title, _THEIRS[where])
        client = WikiClient(proxy.url, config, sleep=gap)
        proxy.plan_on("edit", "reset_after")
        result = WikiWriter(client).save(page.title, OURS, base=page, summary="robot")
    assert gap.text, "the edit in the gap was not made"
    assert [event.kind for event in proxy.events] == ["reset_after"]
    assert "action=edit" in proxy.events[0].request
    history = _history(wiki, page.title)
    # The save was made once, on the base, and it is what the result names.
    first = next(r for r in reversed(history) if r["revid"] > page.revid)
    assert (first["user"], first["parentid"]) == ("WikiBot", page.revid)
    assert first["slots"]["main"]["content"] == OURS
    assert result.changed and result.revid == first["revid"], result
    assert "lost" in result.note
    # The other edit is the latest text, never saved over.
    assert _content(wiki, page.title) == gap.text
    if where == "undone":
        # The retried save re-applied the change over the undo: it was undone again.
        assert f"revision {history[0]['revid']}" in result.note
        assert "undone" in result.note
    # (When the other edit falls in the base's second, MediaWiki sees no
    # conflict and the retry saves over it: undone at once, as above.)


def test_two_edits_in_the_window_the_first_making_our_change_are_kept(wiki: TestWiki) -> None:
    # No fault: between the check and the save, someone makes wikisync's very
    # change, then adds a line. The wiki merges the save into that ("nochange");
    # the latest revision is theirs and holds both: nothing to save over it.
    source = _bot(wiki)
    page = _seed(wiki, source)
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    done: list[int] = []

    def two_edits(title: str) -> None:
        if done:
            return
        time.sleep(1.1)  # basetimestamp has one-second precision: a later second
        human.pages[title].edit(OURS, summary="la même modification")
        human.pages[title].edit(OURS + "\nEt une ligne de plus.", summary="une ligne de plus")
        done.append(int(human.pages[title].revision))

    result = WikiWriter(source.client, before_edit=two_edits).save(
        page.title, OURS, base=page, summary="robot"
    )
    assert _content(wiki, page.title) == OURS + "\nEt une ligne de plus."
    assert _latest(wiki, page.title)["revid"] == done[0]
    assert not result.changed and result.revid == done[0], result
    assert all(r["user"] == "Admin" for r in _history(wiki, page.title))


# -- deleted or moved meanwhile -----------------------------------------------------------


def test_page_deleted_before_the_save_is_never_recreated(wiki: TestWiki) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)

    def delete(title: str) -> None:
        human.pages[title].delete(reason="supprimée pendant la sauvegarde")

    with pytest.raises(PageDeletedError, match="was deleted since it was read"):
        WikiWriter(source.client, before_edit=delete).save(
            page.title, OURS, base=page, summary="robot"
        )
    assert _latest(wiki, page.title) == {}


@pytest.mark.parametrize("account", ["same", "other"])
def test_page_moved_before_the_save_leaves_the_redirect_alone(wiki: TestWiki, account: str) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    if account == "same":
        mover = _mwclient(wiki, wiki.bot_user, wiki.bot_password)
    else:
        mover = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    moved: list[int] = []

    def move(title: str) -> None:
        if not moved:
            mover.pages[title].move("Page renommée", reason="renommée", move_talk=False)
            moved.append(int(_latest(wiki, title)["revid"]))  # type: ignore[call-overload]

    result = WikiWriter(source.client, before_edit=move).save(
        page.title, OURS, base=page, summary="robot"
    )
    assert result.moved_to == "Page renommée"
    # The redirect left at the old title is as the move made it.
    redirect = _latest(wiki, page.title)
    assert redirect["revid"] == moved[0]
    assert str(redirect["slots"]["main"]["content"]).startswith("#")  # type: ignore[index]
    # The edit went to the page itself, under its new title.
    assert _content(wiki, "Page renommée") == OURS
    assert result.revid == _latest(wiki, "Page renommée")["revid"]


@pytest.mark.parametrize("change", ["move", "delete"])
def test_check_latest_finds_a_page_moved_or_deleted_before_any_save(
    wiki: TestWiki, change: str
) -> None:
    source = _bot(wiki)
    page = _seed(wiki, source)
    human = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    if change == "move":
        human.pages[page.title].move("Ailleurs", reason="renommée", move_talk=False)
    else:
        human.pages[page.title].delete(reason="supprimée")
    writer = WikiWriter(source.client)
    writer.check_latest([page.title])
    redirect = _latest(wiki, page.title)
    if change == "move":
        with pytest.raises(PageMovedError, match='was moved to "Ailleurs"') as info:
            writer.save(page.title, OURS, base=page, summary="robot")
        assert info.value.new_title == "Ailleurs"
        assert _content(wiki, "Ailleurs") == LINES
    else:
        with pytest.raises(PageDeletedError, match="not re-created"):
            writer.save(page.title, OURS, base=page, summary="robot")
    assert _latest(wiki, page.title) == redirect


def test_lost_reply_then_protection_is_reported_saved(wiki: TestWiki) -> None:
    # The save is made, its reply lost, and the page protected before the
    # retry, which the wiki refuses: the save was made all the same.
    source = _bot(wiki)
    page = _seed(wiki, source)
    admin = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    protected: list[bool] = []

    def protect(seconds: float) -> None:
        if not protected:
            token = admin.get_token("csrf")
            admin.post("protect", title=page.title, protections="edit=sysop", token=token)
            protected.append(True)
        time.sleep(seconds)

    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        client = WikiClient(proxy.url, config, sleep=protect)
        proxy.plan_on("edit", "reset_after")
        result = WikiWriter(client).save(page.title, OURS, base=page, summary="robot")
    assert protected and [event.kind for event in proxy.events] == ["reset_after"]
    mine = next(r for r in _history(wiki, page.title) if r["user"] == "WikiBot")
    assert mine["parentid"] == page.revid and mine["slots"]["main"]["content"] == OURS
    assert result.changed and result.revid == mine["revid"] and "lost" in result.note
    assert _content(wiki, page.title) == OURS


# -- a lost reply to a creation (issue 17) -----------------------------------------------
#
# The creation is made, its reply lost; in the gap before the retry an admin
# deletes, moves or edits the new page. The retry must not be sent blindly:
# sent again, ``createonly`` re-creates a deleted page, and finds the redirect
# a move left ("articleexists") though the creation was made.

NEW_TITLE = "Page créée par le robot"
NEW_TEXT = "Texte de la page créée par le robot."


def _in_the_gap(act: Any) -> Any:
    """A client ``sleep`` that runs ``act`` once, at the first wait (before the retry)."""
    done: list[bool] = []

    def sleep(seconds: float) -> None:
        if not done:
            done.append(True)
            act()
        time.sleep(seconds)

    sleep.done = done  # type: ignore[attr-defined]
    return sleep


def _create_losing_the_reply(wiki: TestWiki, act: Any, fault: str = "reset_after") -> Any:
    """Save NEW_TITLE (``base`` None) through a proxy losing the reply; ``act`` in the gap."""
    config = Config(site=wiki.url, user=wiki.bot_user, password=wiki.bot_password, use_cache=False)
    sleep = _in_the_gap(act)
    with FaultProxy(wiki.port, rate=0.0) as proxy:
        client = WikiClient(proxy.url, config, sleep=sleep)
        client.site.get_token("csrf")
        proxy.plan_on("edit", fault)
        before = client.requests
        try:
            result: Any = WikiWriter(client).save(NEW_TITLE, NEW_TEXT, base=None, summary="new")
        except EditConflictError as exc:
            result = exc
    assert sleep.done, "the client never waited for a retry"
    assert [event.kind for event in proxy.events] == [fault]
    return result, client.requests - before


def _creations(wiki: TestWiki, title: str) -> list[str]:
    """Who created ``title`` (its creation log, oldest first)."""
    reply = wiki.api(action="query", list="logevents", letype="create", letitle=title)
    return [event["user"] for event in reversed(reply["query"]["logevents"])]


def test_lost_reply_of_a_create_then_deletion_is_deleted_never_recreated(wiki: TestWiki) -> None:
    admin = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    result, requests = _create_losing_the_reply(
        wiki, lambda: admin.pages[NEW_TITLE].delete(reason="supprimée")
    )
    assert isinstance(result, PageDeletedError), result
    assert "deleted by Admin" in str(result) and "not re-created" in str(result)
    assert _latest(wiki, NEW_TITLE) == {}  # still deleted
    assert _creations(wiki, NEW_TITLE) == ["WikiBot"]  # created once, never again
    assert requests == 3  # the lost creation, the log, the page it made: no second creation


def test_lost_reply_of_a_create_then_move_is_the_creation_under_its_new_title(
    wiki: TestWiki,
) -> None:
    admin = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    new = f"{NEW_TITLE} (déplacée)"
    result, requests = _create_losing_the_reply(
        wiki, lambda: admin.pages[NEW_TITLE].move(new, reason="renommée", no_redirect=False)
    )
    assert not isinstance(result, Exception), result
    # (A move adds a null revision, by its mover, on top of the page's last one.)
    created = min(_history(wiki, new), key=lambda r: int(r["revid"]))
    assert (created["user"], created["parentid"]) == ("WikiBot", 0)
    assert _content(wiki, new) == NEW_TEXT
    assert result.created and result.changed and result.revid == created["revid"]
    assert result.moved_to == new and f'moved to "{new}" by Admin' in result.note
    # The redirect the move left is the admin's, never written over.
    redirect = _latest(wiki, NEW_TITLE)
    assert redirect["user"] == "Admin" and "#" in _content(wiki, NEW_TITLE)
    assert _creations(wiki, NEW_TITLE) == ["WikiBot"]
    assert requests == 3


def test_lost_reply_of_a_create_then_another_edit_is_created_and_the_edit_kept(
    wiki: TestWiki,
) -> None:
    admin = _mwclient(wiki, wiki.admin_user, wiki.admin_password)
    theirs = NEW_TEXT + "\nAjout par Admin."
    result, requests = _create_losing_the_reply(
        wiki, lambda: admin.pages[NEW_TITLE].edit(theirs, summary="ajout")
    )
    assert not isinstance(result, Exception), result
    first, *later = sorted(_history(wiki, NEW_TITLE), key=lambda r: int(r["revid"]))
    assert (first["user"], first["parentid"]) == ("WikiBot", 0)
    assert [r["user"] for r in later] == ["Admin"]
    assert result.created and result.revid == first["revid"] and not result.moved_to
    assert "lost" in result.note and f"now {later[0]['revid']}" in result.note
    assert _content(wiki, NEW_TITLE) == theirs
    assert requests == 3


def test_create_whose_request_never_reached_the_wiki_is_sent_again(wiki: TestWiki) -> None:
    # Reset before the wiki saw it: the log shows no creation, so it is sent again.
    result, requests = _create_losing_the_reply(wiki, lambda: None, fault="reset_before")
    assert not isinstance(result, Exception), result
    assert result.created and result.revid == _latest(wiki, NEW_TITLE)["revid"]
    assert not result.note
    assert _creations(wiki, NEW_TITLE) == ["WikiBot"]
    assert requests == 3  # the creation, the log, the creation again


def test_create_is_one_request(wiki: TestWiki) -> None:
    source = _bot(wiki)
    source.client.site.get_token("csrf")
    before = source.client.requests
    result = WikiWriter(source.client).save(NEW_TITLE, NEW_TEXT, base=None, summary="new")
    assert result.created and source.client.requests - before == 1
