"""axe-core, vendored in tests/e2e/vendor, run in the page by Playwright.

The portal's Content Security Policy allows no inline scripts, so axe is not added as a <script>
element: Playwright evaluates its source through the DevTools protocol, which the page's CSP does
not govern, and the checks then run inside the page as usual."""

from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SOURCE = (Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.2 AA is the portal's target: every A and AA rule up to 2.2.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = {"serious", "critical"}

# axe ships WCAG 2.2's target size rule (2.5.8) turned off; the portal aims at 2.2 AA, so it is on.
_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, rules: {'target-size': {enabled: true}}, resultTypes: ['violations'],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


def axe_violations(page):
    """Every WCAG 2.2 A/AA violation axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {AXE_SOURCE}\n}}")
    return page.evaluate(_RUN, WCAG_TAGS)


def describe(violations, where=""):
    lines = []
    for v in violations:
        lines.append(f"{where}[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            why = " / ".join(line.strip() for line in (node["summary"] or "").splitlines()[1:])
            lines.append(f"    {node['target']}  -- {why}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def serious_axe_violations(page):
    return [v for v in axe_violations(page) if v["impact"] in SERIOUS]


def assert_no_serious_axe_violations(page):
    """Fails with each serious or critical violation's rule, impact, help and failing elements."""
    found = serious_axe_violations(page)
    assert not found, f"axe found serious or critical violations on {page.url}:\n{describe(found)}"
