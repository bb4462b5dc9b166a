"""A map page job never changes an existing page's content model, on a real MediaWiki.

MediaWiki lets any user change a page's content model with an edit that names
another one; a map job names one only when it creates its page.
"""

from __future__ import annotations

from pathlib import Path

import mwclient

from tests.integration.test_maps_live import POINTS, _invoke, _page_info, _plant, _with_maps
from tests.mediawiki import TestWiki

JOBS = """
[jobs.carte_texte]
type = "event"
page = "Page de texte"
format = "geojson"

[jobs.carte_brute]
type = "event"
page = "Json:Texte brut"
format = "geojson"
"""


def _plant_page(wiki: TestWiki, title: str, text: str) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    site.pages[title].edit(text, summary="test", contentmodel="wikitext")


def test_a_forced_map_job_refuses_a_wikitext_page_and_keeps_every_page_s_model(
    wiki: TestWiki, config_file: Path
) -> None:
    _plant(wiki, dict(list(POINTS.items())[:1]))
    _plant_page(wiki, "Page de texte", "Du texte et un lien : [[Lyon]].")
    _plant_page(wiki, "Json:Texte brut", '{"a": 1}')  # JSON text in a wikitext page
    _with_maps(config_file, JOBS)
    before = _page_info(wiki, "Page de texte")

    refused = _invoke(wiki, config_file, "rebuild", "carte_texte", "--force")
    assert refused.exit_code == 3, refused.output
    assert 'page "Page de texte" refused: Page "Page de texte" does not hold JSON' in (
        refused.output
    )
    assert "Traceback" not in refused.output
    after = _page_info(wiki, "Page de texte")
    assert (after["lastrevid"], after["contentmodel"]) == (before["lastrevid"], "wikitext")

    forced = _invoke(wiki, config_file, "rebuild", "carte_brute", "--force")
    assert forced.exit_code == 0, forced.output
    page = _page_info(wiki, "Json:Texte brut")
    assert '"FeatureCollection"' in page["revisions"][0]["slots"]["main"]["content"]
    assert page["contentmodel"] == "wikitext"  # the text was replaced, not the model
