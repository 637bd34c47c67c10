"""An index built by an earlier version opens, or is rebuilt before it answers.

Whoosh pickles the schema, analysers included, into the index's table of
contents: every function or class it names is looked up by module path when
the index is opened. Moving code inside ``kb/storage/search_index/`` must
never change those paths.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kb.storage import search_index

# The stem functions, pickled by reference: the only names of Jawab's own an
# index holds (``kb.storage.stemming`` stays where it is for that reason).
STEMMERS_MODULE = b"kb.storage.stemming"


def _search(client, q: str, lang: str) -> dict:
    """The API's answer, which must not be an error."""
    response = client.get("/api/v1/search", query_string={"q": q, "lang": lang})
    assert response.status_code == 200
    return response.get_json()


def _toc(folder: Path) -> Path:
    (found,) = folder.glob("_MAIN_*.toc")
    return found


def test_a_built_index_names_only_whoosh_and_the_stem_functions(
    index_template: Path,
) -> None:
    toc = _toc(index_template).read_bytes()
    assert STEMMERS_MODULE + b"\nstem_id" in toc
    assert STEMMERS_MODULE + b"\nstem_en" in toc
    # Nothing the index holds points into the package, so files inside it can
    # be split, merged or renamed without making a built index unreadable.
    assert b"kb.storage.search_index" not in toc
    assert toc.count(b"kb.") == toc.count(STEMMERS_MODULE)


def _break_pickled_schema(folder: Path) -> None:
    """Make the index name a stem module that no longer exists (same length)."""
    toc = _toc(folder)
    gone = b"kb.storage.stemmin_"
    assert len(gone) == len(STEMMERS_MODULE)
    toc.write_bytes(toc.read_bytes().replace(STEMMERS_MODULE, gone))


def test_an_index_whose_schema_no_longer_loads_is_rebuilt_first(make_app) -> None:
    # A worker that starts over an index it cannot load rebuilds it before the
    # first search answers: no failed request.
    app = make_app()
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    _break_pickled_schema(folder)
    assert not search_index.exists(folder)
    data = _search(app.test_client(), "password", "en")
    assert data["results"][0]["slug"] == "reset-password"
    assert search_index.exists(folder)
    assert b"kb.storage.stemmin_" not in _toc(folder).read_bytes()


def test_a_serving_worker_rebuilds_an_index_it_can_no_longer_load(
    make_app, tmp_path: Path
) -> None:
    app = make_app()
    client = app.test_client()
    before = _search(client, "lupa kata sandi", "id")
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    # Another deploy swaps in an index this code cannot load.
    swapped = tmp_path / "swapped"
    shutil.copytree(folder, swapped)
    _break_pickled_schema(swapped)
    shutil.rmtree(folder)
    swapped.rename(folder)
    after = _search(client, "lupa kata sandi", "id")
    assert after["results"] == before["results"]
    assert search_index.exists(folder)
