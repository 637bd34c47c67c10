"""Editor-maintained synonyms: how customers write → how articles say it.

``articles/_synonyms.yml`` maps, per language, a word or short phrase customers
use (slang, abbreviations, misspellings) to one or more phrases our articles
use. A query containing the key is searched for the phrases too (with a lower
weight). The file is optional; ``kb check`` reports its problems with lines.

    id:
      ongkir: [ongkos kirim]
      tf: [transfer]
    en:
      pw: [password]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from kb.storage.articles import LANGS, Problem
from kb.storage.safe_yaml import load as load_yaml
from kb.translatable import N_

FILENAME = "_synonyms.yml"
_WORD = re.compile(r"\w+(?:[-']\w+)*")


def words(text: str) -> tuple[str, ...]:
    """Lower-cased words of ``text``, the way keys are matched."""
    return tuple(w.lower() for w in _WORD.findall(text))


@dataclass(frozen=True)
class Synonyms:
    """Phrase expansions per language, keyed by their words."""

    by_lang: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )

    def expand(self, text: str, langs: tuple[str, ...]) -> list[str]:
        """Phrases to search for as well, for every key found in ``text``."""
        return list(self.sources(text, langs))

    def sources(self, text: str, langs: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """Each phrase to search for as well → the typed words it stands for."""
        tokens = words(text)
        extra: dict[str, tuple[str, ...]] = {}
        for lang in langs:
            by_first = self._by_first.get(lang)
            if not by_first:
                continue
            found = {
                entry
                for i, token in enumerate(tokens)
                for entry in by_first.get(token, ())
                if tokens[i : i + len(entry[1])] == entry[1]
            }
            # In the file's order, as a scan of every key would find them.
            for _order, key, phrases in sorted(found):
                for phrase in phrases:
                    extra[phrase] = tuple(dict.fromkeys(extra.get(phrase, ()) + key))
        return extra

    def key_words(self, langs: tuple[str, ...]) -> frozenset[str]:
        """Every word of every key: customers' words the editors already know."""
        cache = self._key_words
        found = cache.get(langs)
        if found is None:
            found = cache[langs] = frozenset(
                word
                for lang in langs
                for key in self.by_lang.get(lang, {})
                for word in key
            )
        return found

    @cached_property
    def _by_first(self) -> dict[str, dict[str, list[tuple]]]:
        """Per language, each key's first word → (file order, key, phrases).

        Every search looks its words up here instead of trying every key at
        every position (a few hundred keys, three times per search).
        """
        index: dict[str, dict[str, list[tuple]]] = {}
        for lang, table in self.by_lang.items():
            by_first = index[lang] = {}
            for order, (key, phrases) in enumerate(table.items()):
                by_first.setdefault(key[0], []).append((order, key, phrases))
        return index

    @cached_property
    def _key_words(self) -> dict[tuple[str, ...], frozenset[str]]:
        return {}


def parse(root: Path) -> tuple[Synonyms, list[Problem]]:
    """Read ``_synonyms.yml`` from the articles folder (absent → no synonyms)."""
    path = root / FILENAME
    if not path.exists():
        return Synonyms(), []
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        return Synonyms(), [Problem.of(FILENAME, 1, N_("file is not valid UTF-8"))]
    return parse_text(text)


def parse_text(text: str) -> tuple[Synonyms, list[Problem]]:
    """Parse the synonyms file's text (the web editor checks a new text with it)."""
    try:
        node, data = load_yaml(text)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return Synonyms(), [
            Problem.of(FILENAME, line, N_("invalid YAML: %(error)s"), error=exc)
        ]
    if data is None:
        return Synonyms(), []
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return Synonyms(), [Problem.of(FILENAME, 1, N_("must map id/en to synonyms"))]
    problems: list[Problem] = []
    result: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
    for lang_node, entries_node in node.value:
        lang = lang_node.value
        line = lang_node.start_mark.line + 1
        if lang not in LANGS:
            problems.append(
                Problem.of(
                    FILENAME,
                    line,
                    N_("unknown language '%(lang)s' (use %(known)s)"),
                    lang=lang,
                    known=", ".join(LANGS),
                )
            )
            continue
        if not isinstance(entries_node, yaml.MappingNode):
            problems.append(
                Problem.of(
                    FILENAME,
                    line,
                    N_("'%(lang)s' must map words to lists of phrases"),
                    lang=lang,
                )
            )
            continue
        table = result.setdefault(lang, {})
        for key_node, value_node in entries_node.value:
            problem = _add(table, key_node, value_node)
            if problem:
                problems.append(
                    Problem.of(
                        FILENAME,
                        key_node.start_mark.line + 1,
                        problem,
                        key=key_node.value,
                    )
                )
    return Synonyms(result), problems


def _add(table: dict, key_node: yaml.Node, value_node: yaml.Node) -> str | None:
    """Add one entry; return a problem's template (``%(key)s``) when it is unusable."""
    key = words(str(key_node.value))
    if not key:
        return N_("'%(key)s' has no words to match")
    if key in table:
        return N_("'%(key)s' is listed twice")
    if isinstance(value_node, yaml.ScalarNode):
        raw = [value_node.value]
    elif isinstance(value_node, yaml.SequenceNode) and all(
        isinstance(v, yaml.ScalarNode) for v in value_node.value
    ):
        raw = [v.value for v in value_node.value]
    else:
        return N_("'%(key)s' must map to a phrase or a list of phrases")
    phrases = tuple(" ".join(words(p)) for p in raw if words(p))
    if not phrases:
        return N_("'%(key)s' has no phrases")
    if any(words(p) == key for p in phrases):
        return N_("'%(key)s' maps to itself")
    table[key] = phrases
    return None


class SynonymEditError(ValueError):
    """Why a synonym cannot be added to the file's text (a short code)."""


_PLAIN = re.compile(r"\A\w[\w '-]*\Z")


def _scalar(value: str) -> str:
    """``value`` as a YAML flow scalar: plain when that reads back the same."""
    if _PLAIN.fullmatch(value):
        try:
            if load_yaml(value)[1] == value:
                return value
        except yaml.YAMLError:  # "2026-13-45": a date that is none
            pass
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML too


def _flow_list(phrases: list[str]) -> str:
    return "[" + ", ".join(_scalar(p) for p in phrases) + "]"


def phrases_of(text: str, lang: str) -> tuple[str, ...]:
    """Every phrase the file maps ``lang`` words to, sorted (for suggestions)."""
    found, _ = parse_text(text)
    table = found.by_lang.get(lang, {})
    return tuple(sorted({p for phrases in table.values() for p in phrases}))


def with_synonym(text: str, lang: str, term: str, phrase: str) -> str:
    """The file's text with ``term`` also searching for ``phrase`` in ``lang``.

    The text is changed in place, line by line, so editors' comments and
    order survive: a new key goes after the language's last entry; a known
    key gets the phrase added to its list. Raises :class:`SynonymEditError`
    with ``broken`` (fix the file first), ``term``, ``phrase``, ``same`` or
    ``known`` (the key already maps to that phrase).
    """
    key = " ".join(words(term))
    wanted = " ".join(words(phrase))
    if not key:
        raise SynonymEditError("term")
    if not wanted:
        raise SynonymEditError("phrase")
    if key == wanted:
        raise SynonymEditError("same")
    if lang not in LANGS:
        raise SynonymEditError("lang")
    try:
        root, _data = load_yaml(text)
    except (yaml.YAMLError, UnicodeDecodeError):
        raise SynonymEditError("broken") from None
    current, problems = parse_text(text) if root is not None else (Synonyms(), [])
    if problems:
        raise SynonymEditError("broken")
    known = current.by_lang.get(lang, {}).get(tuple(key.split()))
    if known is not None and wanted in known:
        raise SynonymEditError("known")
    if text and not text.endswith("\n"):
        text += "\n"
    entries = None
    if isinstance(root, yaml.MappingNode):
        entries = next((v for k, v in root.value if k.value == lang), None)
    if entries is None:
        return text + f"{lang}:\n  {_scalar(key)}: {_flow_list([wanted])}\n"
    assert isinstance(entries, yaml.MappingNode)  # parse_text checked the shape
    for key_node, value_node in entries.value:
        if " ".join(words(str(key_node.value))) == key:
            start, end = value_node.start_mark.index, value_node.end_mark.index
            return text[:start] + _flow_list([*(known or ()), wanted]) + text[end:]
    entry = f"{_scalar(key)}: {_flow_list([wanted])}"
    if entries.flow_style or not entries.value:
        # ``en: {}`` or ``en: {a: b}``: rewrite just that mapping, as a flow.
        pairs = [
            f"{_scalar(' '.join(words(str(k.value))))}: "
            f"{_flow_list(list(current.by_lang[lang][words(str(k.value))]))}"
            for k, _v in entries.value
        ]
        start, end = entries.start_mark.index, entries.end_mark.index
        return text[:start] + "{" + ", ".join([*pairs, entry]) + "}" + text[end:]
    indent = " " * entries.value[0][0].start_mark.column
    last_end = entries.value[-1][1].end_mark.index
    line_end = text.find("\n", last_end)
    at = len(text) if line_end == -1 else line_end + 1
    return text[:at] + f"{indent}{entry}\n" + text[at:]
