"""The single Markdown → safe HTML helper used everywhere user text is rendered.

Pipeline:
1. Strip invisible bidi/control characters (RTL-override spoofing, NULs).
2. python-markdown with raw HTML *disabled*: the ``html_block`` preprocessor and
   ``html`` inline pattern are removed, so anything a user types that looks like
   HTML is rendered as escaped text (``&lt;script&gt;``), never as markup.
   Headings are demoted by two levels (# → h3) to sit under page headings,
   and images are replaced by their alt text.
3. nh3 (ammonia) with a strict allow-list as defence in depth: no images, no
   style/on* attributes, links only to absolute http/https/mailto URLs, and
   every link gets ``rel="noopener noreferrer nofollow"``.

With ``mentions`` (internal notes shown to staff), ``@name`` in ordinary text — not in code or
inside a link — becomes a link built by the caller's resolver; only the URLs it produced pass the
href filter, so the exception to "absolute links only" is exactly those links.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree  # noqa: N813 - the name Python-Markdown uses
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

__all__ = [
    "render_markdown",
    "is_safe_url",
    "ALLOWED_TAGS",
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_SCHEMES",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote",
        "a", "table", "thead", "tbody", "tr", "th", "td",
        "h3", "h4", "h5", "h6", "hr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}
ALLOWED_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Bidi embeddings/overrides/isolates, zero-width & BOM, C0/C1 controls except \t \n.
_INVISIBLE_RE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
# Characters browsers silently drop inside URLs (used in "jav\tascript:" tricks).
_URL_STRIP_RE = re.compile(r"[\x00-\x20\x7f]")


class _PostProcessTree(Treeprocessor):
    """Demote headings two levels (# → h3) and replace images by their alt text."""

    def run(self, root):  # noqa: D102 - markdown API
        for el in root.iter():
            if len(el.tag) == 2 and el.tag[0] == "h" and el.tag[1].isdigit():
                el.tag = f"h{min(int(el.tag[1]) + 2, 6)}"
            elif el.tag == "img":
                # <span> is not allow-listed: nh3 unwraps it, leaving the alt text.
                alt = el.get("alt", "")
                el.attrib.clear()
                el.tag = "span"
                el.text = alt
        return None


# `@` not inside a word (mail addresses), then a login or a name; the resolver decides what it names.
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_.\-@])@([A-Za-z0-9_.\-]+|[^\s@、。，,．.：:；;「」『』（）()<>&\"']{2,30})")
_NO_MENTION_TAGS = frozenset({"a", "code", "pre"})


class _MentionTree(Treeprocessor):
    """Turn @mentions in text (not in code or links) into links from ``md.consult_mentions``."""

    def run(self, root):  # noqa: D102 - markdown API
        resolve = getattr(self.md, "consult_mentions", None)
        if resolve is not None:
            self._walk(root, resolve)
        return None

    def _split(self, text, resolve):
        """(text before the first mention, [<a> elements, each followed by its tail text])."""
        if not text or "@" not in text:
            return text, []
        head, links, pos, current = None, [], 0, None
        for m in MENTION_RE.finditer(text):
            hit = resolve(m.group(1))
            if hit is None:
                continue
            length, url, title = hit
            end = m.start(1) + length
            before = text[pos:m.start()]
            if current is None:
                head = before
            else:
                current.tail = before
            current = etree.Element("a", {"href": url, "title": title, "class": "mention"})
            current.text = text[m.start():end]
            links.append(current)
            self.md.consult_mention_urls.add(url)
            pos = end
        if current is None:
            return text, []
        current.tail = text[pos:]
        return head, links

    def _walk(self, el, resolve):
        """Link the mentions in el's own text and in its children's tails, depth first."""
        if el.tag in _NO_MENTION_TAGS:
            return
        children = []
        el.text, links = self._split(el.text, resolve)
        children += links
        for child in list(el):
            self._walk(child, resolve)
            child.tail, links = self._split(child.tail, resolve)
            children.append(child)
            children += links
        el[:] = children


class _SafeExtension(Extension):
    """Disable raw HTML, demote headings and drop images; link @mentions when asked to."""

    def extendMarkdown(self, md):  # noqa: N802 - markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_PostProcessTree(md), "consult_post_process", 0)
        md.treeprocessors.register(_MentionTree(md), "consult_mentions", -1)  # after inline and unescape


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """Return a per-thread Markdown instance (they are not thread-safe)."""
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=[
                "fenced_code",
                "tables",
                "sane_lists",
                "nl2br",
                _SafeExtension(),
            ],
            output_format="html",
        )
        _local.md = md
    return md


def is_safe_url(url: str) -> bool:
    """Return True if url is an absolute http/https/mailto URL."""
    cleaned = _URL_STRIP_RE.sub("", url)
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return False
    if scheme in ("http", "https"):
        return bool(parts.netloc)
    return bool(parts.path)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """nh3 hook: drop any href that is not an absolute http/https/mailto URL."""
    if attr == "href":
        return value if is_safe_url(value) else None
    return value


def render_markdown(text: str | None, mentions=None) -> Markup:
    """Render user Markdown to sanitised HTML as Markup (empty Markup for None/blank).

    ``mentions``: word after @ → (characters it uses, URL, title) or None; those mentions become links."""
    if not text or not text.strip():
        return Markup("")
    text = _INVISIBLE_RE.sub("", text)
    md = _markdown()
    md.consult_mentions, md.consult_mention_urls = mentions, set()
    try:
        html = md.reset().convert(text)
        mention_urls = frozenset(md.consult_mention_urls)
    finally:
        md.reset()
        md.consult_mentions, md.consult_mention_urls = None, set()
    attribute_filter = _attribute_filter
    if mention_urls:
        def attribute_filter(tag: str, attr: str, value: str) -> str | None:
            if tag == "a" and attr == "href" and value in mention_urls:
                return value
            return _attribute_filter(tag, attr, value)
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        allowed_classes={"a": {"mention"}} if mention_urls else None,
    )
    # Safe: `cleaned` is nh3 output restricted to the allow-list above.
    return Markup(cleaned)  # noqa: S704  # nosec B704


# What can make Markdown or HTML out of text: ASCII punctuation, tabs and carriage returns, any space at the start
# or end of a line (code blocks, hard breaks, blank lines) and invisible characters. A text with none of these
# renders as itself.
_MARKUP_RE = re.compile(r"[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\t\r]|^[^\S\n]|[^\S\n]$|" + _INVISIBLE_RE.pattern,
                        re.MULTILINE)


def to_plain_text(text: str | None) -> str:
    """The words of a Markdown text without its syntax (for search snippets and exports).

    Most case texts are plain Japanese without any ASCII punctuation: they skip the renderer (a fifth of the time of
    indexing a case went to rendering its four texts)."""
    if not text:
        return ""
    if not _MARKUP_RE.search(text):
        return re.sub(r"\n{2,}", "\n", text).strip()
    return _rendered_plain_text(text)


def _rendered_plain_text(text: str) -> str:
    """``to_plain_text`` through the renderer."""
    rendered = str(render_markdown(text))
    rendered = re.sub(r"</(p|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>", "\n", rendered)
    plain = html.unescape(nh3.clean(rendered, tags=set()))
    return re.sub(r"\n{2,}", "\n", plain).strip()
