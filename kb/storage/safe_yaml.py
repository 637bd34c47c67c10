"""The one way Jawab reads YAML: bounded in size, no aliases, line numbers kept.

Articles' front matter, ``_categories.yml`` and ``_synonyms.yml`` all go through
:func:`load`. YAML aliases (``*name``) let 300 bytes stand for billions of values
("billion laughs"): the parser is fine, but every later walk over the values — a
check, a cache, a message quoting a key — pays for each copy, and one such
file stalled a worker past its timeout. Jawab's files never need an alias, so
one is refused with its line, as is a text over :data:`MAX_CHARS`. What is
left parses in time proportional to its size (libyaml when installed), and
libyaml itself refuses nesting deeper than 1,000 levels.
"""

from __future__ import annotations

import yaml

# Twice the web editor's limit for the synonyms file (100,000 characters):
# about 0.2 s of parsing with libyaml on a loaded machine.
MAX_CHARS = 200_000
ALIAS_MESSAGE = "YAML aliases (*name) are not allowed: write the value out in full"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class Refused(yaml.YAMLError):
    """YAML Jawab will not read, with the line it stopped at (``problem_mark``)."""

    def __init__(self, problem: str, line: int, column: int = 0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = yaml.Mark("<text>", 0, line, column, "", 0)

    def __str__(self) -> str:
        return self.problem


def _refuse_aliases(text: str) -> None:
    """Raise :class:`Refused` at the first alias (a cheap pass over the events)."""
    if "*" not in text:  # an alias always starts with "*"
        return
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                line, column = (mark.line, mark.column) if mark else (0, 0)
                raise Refused(ALIAS_MESSAGE, line, column)
    finally:
        loader.dispose()


def load(text: str) -> tuple[yaml.Node | None, object]:
    """Parse YAML once, keeping the node tree (for line numbers) and the values.

    Raises a :class:`yaml.YAMLError` (its ``problem_mark`` gives the line) for
    text that is not YAML, holds an alias, or is longer than :data:`MAX_CHARS`.
    """
    if len(text) > MAX_CHARS:
        raise Refused(
            f"{len(text):,} characters is too long for a YAML text "
            f"(at most {MAX_CHARS:,})",
            0,
        )
    _refuse_aliases(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        try:
            return node, (loader.construct_document(node) if node is not None else {})
        except ValueError as exc:  # "2026-13-01": a timestamp that is no date
            raise _bad_scalar(node, exc) from exc
    except RecursionError:  # the pure-Python parser (no libyaml) on deep nesting
        raise Refused("nested too deeply", 0) from None
    finally:
        loader.dispose()


def _bad_scalar(node: yaml.Node | None, exc: ValueError) -> yaml.YAMLError:
    """A YAML error at the scalar that could not be built (for its line)."""
    stack = [node]
    seen: set[int] = set()  # each node once, however the tree is shared
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            try:
                _Loader("").construct_object(current)
            except ValueError:
                return yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"{current.value!r} is not a valid value: {exc}",
                    current.start_mark,
                )
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in reversed(current.value) for v in reversed(pair))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return yaml.YAMLError(str(exc))


def problem(exc: yaml.YAMLError) -> tuple[int, str]:
    """The 1-based line of a YAML error (1 when unknown) and its message alone."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 1
    text = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return line, str(text)
