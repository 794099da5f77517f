"""Helpers of the browser tests: axe-core (bundled with axe-playwright-python, injected from the local
file, never from a CDN), focus visibility, horizontal overflow, a tiny PDF."""
import json
from pathlib import Path

import axe_playwright_python

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Run axe-core with the WCAG 2.1 A/AA rules on the current page; return the violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("(options) => axe.run(document, options)", options)
    return result["violations"]


def format_violations(violations: list[dict], label: str = "") -> str:
    """A readable report: rule, impact, help, and each offending element with its selector and summary."""
    lines = []
    for v in violations:
        lines.append(f"[{label}] {v['id']} ({v.get('impact')}): {v['help']}  <{v['helpUrl']}>")
        for node in v["nodes"][:8]:
            target = " ".join(json.dumps(t, ensure_ascii=False) if not isinstance(t, str) else t for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {tag: 'BODY', visible: false};
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName, id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    visible: outline || shadow, outline: cs.outlineStyle + ' ' + cs.outlineWidth, shadow: cs.boxShadow,
    onscreen: r.width > 0 && r.height > 0,
  };
}"""


def focused(page) -> dict:
    """Describe document.activeElement and whether its focus indicator is visible."""
    return page.evaluate(FOCUS_JS)


def horizontal_overflow(page) -> dict:
    """Widths of the document: the page must not scroll sideways (scrollWidth <= clientWidth + 1)."""
    return page.evaluate("""() => {
      const d = document.documentElement, b = document.body;
      const wide = [];
      for (const el of b.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > d.clientWidth + 1 && !el.closest('.table-wrap')) {
          wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
            (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
            ' right=' + Math.round(r.right));
        }
      }
      return {scroll: Math.max(d.scrollWidth, b.scrollWidth), client: d.clientWidth, wide: wide.slice(0, 10)};
    }""")


def tiny_pdf() -> bytes:
    """A small valid one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
