"""MkDocs hook: the reference pages are generated from the code at build time.

A hand-written page holds a marker where its reference goes:

* ``<!-- reference: settings -->`` — every ``KB_*`` variable from
  ``kb.config.SETTINGS`` (its one-line help, default and longer ``doc``);
* ``<!-- reference: cli -->`` — every ``kb`` command from the click group in
  ``kb.cli`` (usage, help text, options);
* ``<!-- reference: api -->`` — every ``/api/v1`` operation and schema from the
  OpenAPI document that ``kb.views.api.schemas`` builds (also copied into the
  site as ``openapi.json``).

After the build it fails when a page or stylesheet would load or link anything
from another host (the site must work offline, with no CDN at view time).

Nothing is copied by hand, so the pages cannot drift from the code;
``tests/project/test_docs.py`` checks that each key and command carries its
documentation and that no hand-written page names one that does not exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

MARKER = re.compile(r"<!-- reference: (\w+) -->")


# -- configuration --------------------------------------------------------------


def _default(setting: Any) -> str:
    if setting.default_doc:
        return setting.default_doc
    if not setting.default:
        return "unset"
    return f"`{setting.default}`"


def settings_markdown() -> str:
    """A summary table of every ``KB_*`` variable, then one section each."""
    from kb.config import SETTINGS

    lines = ["| Variable | Default | What it does |", "|---|---|---|"]
    for s in SETTINGS:
        anchor = s.env.lower()
        lines.append(f"| [`{s.env}`](#{anchor}) | {_default(s)} | {s.help} |")
    for s in SETTINGS:
        lines += ["", f"### `{s.env}` {{#{s.env.lower()}}}", ""]
        lines.append(f"{s.help} Default: {_default(s)}.")
        if s.doc:
            lines += ["", s.doc]
    return "\n".join(lines) + "\n"


# -- command line ---------------------------------------------------------------


def _commands(
    group: click.Group, prefix: str = "kb"
) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


def commands() -> list[tuple[str, click.Command]]:
    """Every ``kb`` command and group, as ``("kb users create", command)``."""
    from kb.cli import cli

    return _commands(cli)


def _usage(path: str, command: click.Command) -> str:
    context = click.Context(command, info_name=path)
    return f"{path} {' '.join(command.collect_usage_pieces(context))}".strip()


def _option_row(param: click.Parameter) -> str:
    names = ", ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])
    text = getattr(param, "help", None) or ""
    if isinstance(param.type, click.Choice):
        text += f" One of {', '.join(f'`{c}`' for c in param.type.choices)}."
    if getattr(param, "show_default", False) and param.default not in (None, ""):
        default = param.default
        if isinstance(default, bool) and param.secondary_opts:
            default = param.opts[0] if default else param.secondary_opts[0]
        text += f" Default: `{default}`."
    if param.required:
        text += " Required."
    return f"| {names} | {text.strip()} |"


def cli_markdown() -> str:
    """One section per command: usage, its help text and its options."""
    lines: list[str] = []
    for path, command in commands():
        anchor = path.replace(" ", "-")
        lines += [f"### `{path}` {{#{anchor}}}", ""]
        if isinstance(command, click.Group):
            lines.append(command.help or "")
            subs = ", ".join(
                f"[`{path} {name}`](#{anchor}-{name})"
                for name in sorted(command.commands)
            )
            lines += ["", f"Commands: {subs}.", ""]
            continue
        lines += ["```", _usage(path, command), "```", ""]
        for paragraph in (command.help or "").split("\n\n"):
            lines += [" ".join(paragraph.split()), ""]
        options = [p for p in command.params if isinstance(p, click.Option)]
        if options:
            lines += ["| Option | Meaning |", "|---|---|"]
            lines += [_option_row(p) for p in options]
            lines.append("")
    return "\n".join(lines)


# -- API ------------------------------------------------------------------------


def document() -> dict[str, Any]:
    """The OpenAPI document with the default settings."""
    from kb.views.api.schemas import document_json

    return json.loads(document_json())


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#schema-{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type(schema['items'])}" if "items" in schema else "array"
    if kind == "object" and "additionalProperties" in schema:
        values = schema["additionalProperties"]
        if isinstance(values, dict):
            return f"object: language → {_type(values)}"
    text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "length ≥"),
            ("maxLength", "length ≤"),
        )
        if key in schema
    ]
    if bounds:
        text += ", " + ", ".join(bounds)
    if "default" in schema:
        text += f", default `{schema['default']}`"
    return text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _operation(path: str, method: str, op: dict[str, Any]) -> list[str]:
    title = f"### `{method.upper()} {path}` {{#op-{op['operationId']}}}"
    lines = [title, "", op["summary"], ""]
    lines.append(
        "Staff only: " + " or ".join(f"`{next(iter(s))}`" for s in op["security"])
        if op.get("security")
        else "Public: no authentication."
    )
    lines.append("")
    if op["parameters"]:
        lines += ["| Parameter | In | Type | Meaning |", "|---|---|---|---|"]
        for p in op["parameters"]:
            required = " (required)" if p.get("required") else ""
            lines.append(
                f"| `{p['name']}`{required} | {p['in']} | {_type(p['schema'])} "
                f"| {_cell(p['description'])} |"
            )
        lines.append("")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if body:
        lines += [f"Body (JSON): {_type(body['schema'])}", ""]
    lines += ["| Status | Answer |", "|---|---|"]
    for status, response in op["responses"].items():
        body = response.get("content", {}).get("application/json", {}).get("schema")
        shape = f" {_type(body)}" if body else ""
        lines.append(f"| {status} | {_cell(response['description'])}{shape} |")
    lines.append("")
    return lines


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name} {{#schema-{name.lower()}}}", ""]
    if schema.get("description"):
        lines += [schema["description"], ""]
    properties = schema.get("properties", {})
    if properties:
        required = set(schema.get("required", []))
        lines += ["| Field | Type | Meaning |", "|---|---|---|"]
        for field, spec in properties.items():
            mark = "" if field in required else " (optional)"
            lines.append(
                f"| `{field}`{mark} | {_type(spec)} "
                f"| {_cell(spec.get('description', ''))} |"
            )
        lines.append("")
    return lines


def api_markdown() -> str:
    """Every operation of the OpenAPI document, then its schemas."""
    doc = document()
    lines = [doc["info"]["description"], "", "## Operations", ""]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            lines += _operation(path, method, op)
    lines += ["## Authentication", ""]
    for name, scheme in doc["components"]["securitySchemes"].items():
        lines += [f"- `{name}` ({scheme['type']}): {scheme['description']}"]
    lines += ["", "## Schemas", ""]
    for name, schema in doc["components"]["schemas"].items():
        lines += _schema(name, schema)
    return "\n".join(lines)


# -- MkDocs events --------------------------------------------------------------

GENERATORS = {"settings": settings_markdown, "cli": cli_markdown, "api": api_markdown}


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    """Replace each reference marker with the generated Markdown."""
    return MARKER.sub(lambda found: GENERATORS[found.group(1)](), markdown)


def on_files(files: Any, config: Any, **_kwargs: Any) -> Any:
    """Ship the OpenAPI document beside the API page."""
    from mkdocs.structure.files import File

    from kb.views.api.schemas import document_json

    files.append(File.generated(config, "openapi.json", content=document_json()))
    return files


# Attributes and CSS that make a browser fetch or follow a URL.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?|url\(\s*["']?"""
    r"""|@import\s+["'])(https?:)?//(?!(?:127\.0\.0\.1|localhost)[:/])([^/"')\s]+)""",
    re.IGNORECASE,
)


def external_urls(site: Path) -> list[str]:
    """``file: host`` for every URL of the built site that points at another host."""
    found = []
    for path in sorted([*site.rglob("*.html"), *site.rglob("*.css")]):
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [
            f"{path.relative_to(site)}: {m.group(2)}" for m in EXTERNAL.finditer(text)
        ]
    return found


def on_post_build(config: Any, **_kwargs: Any) -> None:
    """Fail the build when the site would load or link anything from elsewhere."""
    from mkdocs.exceptions import PluginError

    found = external_urls(Path(config["site_dir"]))
    if found:
        raise PluginError("URLs to other hosts in the built site:\n" + "\n".join(found))
