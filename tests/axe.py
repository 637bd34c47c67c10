"""axe-core in a Playwright page: inject the vendored script, return violations."""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.x A/AA plus axe's best practices (landmarks, headings, region focus).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def violations(page) -> list[dict]:
    """Run axe-core on ``page`` and return its violations (empty when clean)."""
    # A page reached by a click (a form posted without JavaScript) may still be
    # loading its stylesheet when the next line runs: axe would judge the
    # unstyled page (seen on a loaded machine as contrast and target-size
    # failures of a page that passes). Its load event comes after the CSS.
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const only = {runOnly: {type: 'tag', values: tags}};
            const result = await axe.run(document, only);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                    n.failureSummary.replace(/\\s+/g, ' ').slice(0, 300))
            }));
        }""",
        TAGS,
    )


def describe(found: list[dict]) -> str:
    """The violations as readable lines for an assertion message."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


def page_problems(page, width: str) -> list[str]:
    """axe-core's violations and, below desktop width, a page wider than the screen."""
    problems = []
    found = violations(page)
    if found:
        problems.append(describe(found))
    if width != "1280":
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > int(width) + 1:
            problems.append(f"page is {wide}px wide")
    return problems
