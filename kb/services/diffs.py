"""Line diffs of two versions of an article: inline and side by side."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of an inline diff: ``kind`` is same, added or removed."""

    kind: str
    text: str
    old: int | None
    new: int | None


@dataclass(frozen=True)
class Row:
    """One row of a side-by-side diff (either side may be empty)."""

    kind: str  # same, changed, added, removed
    left: str | None
    right: str | None
    left_no: int | None
    right_no: int | None


def inline(before: str, after: str) -> list[Line]:
    """Every line of ``after`` and the removed lines of ``before``, in order."""
    old, new = before.splitlines(), after.splitlines()
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(
                Line("same", old[i], i + 1, j1 + k + 1)
                for k, i in enumerate(range(i1, i2))
            )
            continue
        lines.extend(Line("removed", old[i], i + 1, None) for i in range(i1, i2))
        lines.extend(Line("added", new[j], None, j + 1) for j in range(j1, j2))
    return lines


def side_by_side(before: str, after: str) -> list[Row]:
    """Rows pairing the lines of ``before`` (left) with those of ``after``."""
    old, new = before.splitlines(), after.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                Row("same", old[i1 + k], new[j1 + k], i1 + k + 1, j1 + k + 1)
                for k in range(i2 - i1)
            )
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            left = old[i1 + k] if i1 + k < i2 else None
            right = new[j1 + k] if j1 + k < j2 else None
            kind = (
                "changed"
                if left is not None and right is not None
                else ("removed" if right is None else "added")
            )
            rows.append(
                Row(
                    kind,
                    left,
                    right,
                    i1 + k + 1 if left is not None else None,
                    j1 + k + 1 if right is not None else None,
                )
            )
    return rows


def changed(rows: list[Row]) -> bool:
    """True when any row differs."""
    return any(row.kind != "same" for row in rows)


def around_changes(lines: list[Line], context: int = 3) -> list[Line | None]:
    """Only the changed lines and ``context`` lines around them; None marks a gap."""
    near: set[int] = set()
    for i, line in enumerate(lines):
        if line.kind != "same":
            near.update(range(i - context, i + context + 1))
    shown: list[Line | None] = []
    for i, line in enumerate(lines):
        if i in near:
            shown.append(line)
        elif shown and shown[-1] is not None:
            shown.append(None)
    if shown and shown[-1] is None:
        shown.pop()
    return shown
