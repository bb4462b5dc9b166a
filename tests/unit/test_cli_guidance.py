"""Guidance for names that find nothing, and for a missing configuration file.

On the bundled example mirror (a copy, so the files can be added to) and on
a dump: a misspelt category or template is an error naming the close ones;
an existing but empty one is said on stderr; a renamed or removed parameter
the schema reads gets a warning; outside the configuration's folder the
error says no ``wikisync.toml`` was found and where it was looked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.ops.suggest import close_names, describe_category, fold, schema_losses
from wikisync.sources import open_source

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "tests" / "fixtures" / "dumps" / "fabmob-export-0.11.xml"


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_USER", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _snapshot(folder: Path) -> dict[Path, bytes]:
    files = [p for p in folder.rglob("*") if p.is_file() and ".wikisync" not in p.parts]
    return {p: p.read_bytes() for p in files}


# -- fold and close names -------------------------------------------------------------


def test_fold_ignores_accents_case_spaces_and_underscores() -> None:
    assert fold(" Événement_Vélo ") == fold("evenement  velo") == "evenement velo"
    assert fold("\uff21cteur") == "acteur"  # compatibility forms (a fullwidth A) fold too


@pytest.mark.parametrize(
    "typed", ["Événement", "événement", "EVENEMENT", "Evenement", "Evénemen", "Evénements"]
)
def test_close_names_finds_the_real_spelling_first(typed: str) -> None:
    known = ["Acteur", "Evénement", "Webinaire", "Événements passés", "Vélo"]
    assert close_names(typed, known)[0] == "Evénement"


def test_close_names_never_suggests_the_name_itself_nor_far_names() -> None:
    assert close_names("Evénement", ["Evénement", "Acteur"]) == []
    assert close_names("Zzzz", ["Evénement", "Acteur"]) == []
    assert len(close_names("Evénement", [f"Evénement {i}" for i in range(10)], limit=3)) == 3


# -- pages --------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["mirror", "dump"])
def test_pages_of_a_misspelt_category_is_an_error_naming_the_real_one(
    example: Path, site: str
) -> None:
    where = str(example / "mirror") if site == "mirror" else str(DUMP)
    code, out, err = _run("--site", where, "-v", "pages", "Événement")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1  # one line
    assert 'category "Catégorie:Événement" does not exist' in err
    assert 'did you mean "Catégorie:Evénement"' in err


def test_pages_of_an_existing_empty_category_says_so_and_exits_0(example: Path) -> None:
    (example / "mirror" / "Catégorie" / "Vide.wiki").write_text("Rien.\n", encoding="utf-8")
    code, out, err = _run("--site", str(example / "mirror"), "pages", "Vide")
    assert (code, out) == (0, "")
    assert err == 'wikisync: category "Catégorie:Vide" has no pages\n'
    code, out, err = _run("--site", str(example / "mirror"), "-q", "pages", "Vide")
    assert (code, out, err) == (0, "", "")


def test_pages_of_a_category_with_only_subcategories_suggests_recursive(example: Path) -> None:
    mirror = example / "mirror"
    (mirror / "Catégorie" / "Parent.wiki").write_text("Tout.\n", encoding="utf-8")
    webinaire = mirror / "Catégorie" / "Webinaire.wiki"
    webinaire.write_text(webinaire.read_text(encoding="utf-8") + "\n[[Catégorie:Parent]]\n")
    code, out, err = _run("--site", str(mirror), "pages", "Parent")
    assert (code, out) == (0, "")
    assert "has no pages; its subcategories have some: add --recursive" in err
    code, out, _ = _run("--site", str(mirror), "pages", "Parent", "--recursive")
    assert code == 0
    assert out.splitlines() == open_source(str(mirror)).list_category("Webinaire")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_pages_json_lists_the_same_titles_as_text(example: Path, fmt: str) -> None:
    site = str(example / "mirror")
    _, text, _ = _run("--site", site, "pages", "Evénement", "-r")
    code, out, _ = _run("--site", site, "pages", "Evénement", "-r", "--format", fmt)
    assert code == 0
    rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert rows == [{"title": title} for title in text.splitlines()]
    assert len(rows) > 10


def test_pages_json_of_an_empty_category_is_an_empty_array(example: Path) -> None:
    (example / "mirror" / "Catégorie" / "Vide.wiki").write_text("Rien.\n", encoding="utf-8")
    code, out, _ = _run("--site", str(example / "mirror"), "pages", "Vide", "-f", "json")
    assert (code, json.loads(out)) == (0, [])


def test_describe_category_on_the_mirror_knows_every_category_page(example: Path) -> None:
    source = open_source(str(example / "mirror"))
    for path in (example / "mirror" / "Catégorie").glob("*.wiki"):
        assert describe_category(source, path.stem).exists, path.stem


# -- check --------------------------------------------------------------------------


@pytest.mark.usefixtures("speaks_the_wiki_language")
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_check_json_has_one_object_per_problem(example: Path, fmt: str) -> None:
    config = str(example / "wikisync.toml")
    _, text, _ = _run("-c", config, "check", "event")
    code, out, err = _run("-c", config, "check", "event", "-f", fmt)
    assert code == 0
    rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert [row["message"] for row in rows] == text.splitlines()
    assert {"type", "title", "field", "value", "expected", "message"} == set(rows[0])
    bad_date = [row for row in rows if row["field"] == "startDate"]
    assert bad_date
    assert bad_date[0]["value"] == "day"
    assert "problèmes" in err  # the summary stays on stderr (the French mirror's words)


def test_check_json_strict_still_exits_1(example: Path) -> None:
    config = str(example / "wikisync.toml")
    code, out, _ = _run("-c", config, "check", "event", "--strict", "-f", "json")
    assert code == 1
    assert json.loads(out)


# -- templates ----------------------------------------------------------------------


def test_rename_param_of_a_missing_template_is_an_error_naming_close_ones(example: Path) -> None:
    before = _snapshot(example)
    config = str(example / "wikisync.toml")
    code, _, err = _run("-c", config, "rename-param", "Evnt", "place", "Lieu")
    assert code == 2
    assert 'template "Modèle:Evnt" does not exist' in err
    assert '"Modèle:Event"' in err
    assert "no pages" not in err
    assert _snapshot(example) == before


def test_remove_param_of_an_unused_template_says_no_page_uses_it(example: Path) -> None:
    (example / "mirror" / "Modèle" / "Inutile.wiki").write_text("{{{1}}}\n", encoding="utf-8")
    code, _, err = _run("-c", str(example / "wikisync.toml"), "remove-param", "Inutile", "x")
    assert code == 0
    assert 'no page uses template "Modèle:Inutile"' in err


def test_rename_param_the_schema_reads_warns_naming_type_field_and_file(example: Path) -> None:
    config = example / "wikisync.toml"
    code, _, err = _run("-c", str(config), "rename-param", "Event", "Tags", "Motscles", "--dry-run")
    assert code == 0
    warning = next(line for line in err.splitlines() if "warning" in line)
    assert 'type "event" reads field "Tags" from parameter "Tags"' in warning
    assert "lose" in warning
    assert '"Motscles"' in warning
    assert str(config) in warning


def test_rename_param_between_two_names_of_one_field_gives_no_warning(example: Path) -> None:
    code, _, err = _run(
        "-c", str(example / "wikisync.toml"), "rename-param", "Event", "place", "Lieu", "--dry-run"
    )
    assert code == 0
    assert "warning" not in err


def test_remove_param_the_schema_reads_warns(example: Path) -> None:
    code, _, err = _run(
        "-c", str(example / "wikisync.toml"), "remove-param", "Evénement", "Tags", "--dry-run"
    )
    assert code == 0
    assert 'warning: type "event" reads field "Tags"' in err
    assert "after the removal" in err


def test_schema_losses_ignores_other_templates_and_bad_tables() -> None:
    types = {"event": {"templates": ["Event"], "fields": {"Tags": "list"}}}
    assert schema_losses(types, "Acteur", "Tags", None) == []
    assert schema_losses(types, "Event", "Autre", None) == []
    assert schema_losses({"event": {"nonsense": 1}}, "Event", "Tags", None) == []
    assert len(schema_losses(types, "modèle:event", "Tags", "T")) == 1


# -- no configuration file ----------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["records", "event"], ["rebuild"], ["render", "events"], ["pages", "Evénement"]]
)
def test_outside_the_configuration_folder_the_error_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(*args)
    assert code == 2
    assert err.count("\n") == 1
    assert f"no configuration file was found: looked for {tmp_path / 'wikisync.toml'}" in err
    assert "--config" in err
    assert "WIKISYNC_CONFIG" in err


def test_with_a_configuration_file_there_is_no_such_hint(example: Path) -> None:
    code, _, err = _run("-c", str(example / "wikisync.toml"), "records", "nosuchtype")
    assert code == 2
    assert "unknown record type" in err
    assert "no configuration file was found" not in err


def test_a_missing_explicit_configuration_file_is_named(tmp_path: Path) -> None:
    code, _, err = _run("-c", str(tmp_path / "nope.toml"), "rebuild")
    assert code == 2
    assert f"configuration file {tmp_path / 'nope.toml'} does not exist" in err


@pytest.mark.parametrize("command", ["check", "records"])
def test_a_type_whose_category_is_misspelt_is_exit_2_naming_the_real_one(
    example: Path, command: str
) -> None:
    config = example / "wikisync.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('categories = ["Evénement"]', 'categories = ["Événement"]'))
    code, out, err = _run("-c", str(config), command, "event")
    assert (code, out) == (2, "")
    assert 'error: type event: category "Catégorie:Événement" does not exist' in err
    assert 'did you mean "Catégorie:Evénement"' in err
    assert f"(types.event.categories in {config})" in err


def test_a_type_with_pages_gives_no_category_warning(example: Path) -> None:
    _, _, err = _run("-c", str(example / "wikisync.toml"), "check", "event")
    assert "warning" not in err
