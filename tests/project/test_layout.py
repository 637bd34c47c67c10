"""The layout's rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import re
from pathlib import Path

VIEWS = Path(__file__).resolve().parents[2] / "kb" / "views"
# Reading one argument by hand skips the typed dataclass and its one 400 shape.
DIRECT_READ = re.compile(r"request\.(args|form|values)(\.get\(|\[|\.getlist\()")


def test_views_read_request_arguments_only_through_params() -> None:
    offenders = [
        f"{path.relative_to(VIEWS)}:{number}: {line.strip()}"
        for path in sorted(VIEWS.rglob("*.py"))
        if path.name != "params.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DIRECT_READ.search(line)
    ]
    assert offenders == [], (
        "use kb.views.params (a dataclass and parse):\n" + "\n".join(offenders)
    )


def test_only_one_module_imports_whoosh() -> None:
    kb = VIEWS.parent
    importers = sorted(
        str(path.relative_to(kb))
        for path in kb.rglob("*.py")
        if re.search(r"^\s*(from|import) whoosh", path.read_text(), re.MULTILINE)
    )
    assert importers == ["storage/search_index.py"]
