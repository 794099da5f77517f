"""Tests for consult.markup.render_markdown (XSS hardening + normal formatting)."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from consult.markup import is_safe_url, render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](jav\tascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x" onerror="alert(1)](https://example.com/a.png)',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="position:fixed;top:0">overlay</div>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<script>alert(1)</script>-->",
    "<<script>script>alert(1)<</script>/script>",
    '<img src=x onerror="alert(1)"',
    "<details open ontoggle=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>body{background:red}</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<base href=https://evil.example/>",
    "＜script＞alert(1)＜/script＞",
    "\u202egnp.exe [click](https://example.com/\u202egnp.exe)",
    "<scr\u0000ipt>alert(1)</scr\u0000ipt>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "> <iframe src=https://evil.example></iframe>",
    "- <svg/onload=alert(1)>",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    '[x](https://example.com "a\\" onmouseover=\\"alert(1)")',
]


class _TagCollector(HTMLParser):
    """Collect the real (parsed) start tags and their decoded attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def _parsed_tags(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return parser.tags


_ALLOWED = {
    "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a",
    "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_is_neutralised(payload):
    out = str(render_markdown(payload))
    low = out.lower()
    assert "<script" not in low
    assert "<img" not in low
    assert "<svg" not in low
    assert "<iframe" not in low
    assert "<style" not in low
    assert "<object" not in low
    assert "<embed" not in low
    assert "<form" not in low
    assert "<meta" not in low
    assert "<link" not in low
    assert "<base" not in low
    for tag, attrs in _parsed_tags(out):
        assert tag in _ALLOWED, (tag, out)
        for name, value in attrs.items():
            assert not name.startswith("on"), out
            assert name in {"href", "title", "rel"}, out
            if name == "href":
                href = re.sub(r"[\x00-\x20]", "", value).lower()
                assert href.startswith(("http://", "https://", "mailto:")), out
                assert "javascript:" not in href and "data:" not in href
    assert "\u202e" not in out
    assert "\x00" not in out


def test_at_least_30_payloads():
    assert len(XSS_PAYLOADS) >= 30


def test_raw_html_is_shown_escaped():
    out = str(render_markdown("<b>bold?</b> <script>alert(1)</script>"))
    assert "&lt;b&gt;bold?&lt;/b&gt;" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_fullwidth_brackets_are_plain_text():
    assert str(render_markdown("＜script＞")) == "<p>＜script＞</p>"


def test_rtl_override_is_stripped():
    assert str(render_markdown("abc\u202edef\u2066g\u200bh")) == "<p>abcdefgh</p>"


def test_javascript_link_keeps_text_but_loses_href():
    out = str(render_markdown("[クリック](javascript:alert(1))"))
    assert "クリック" in out
    assert "href" not in out


def test_image_is_replaced_by_alt_text():
    out = str(render_markdown("前 ![画面写真](https://example.com/a.png) 後"))
    assert "<img" not in out
    assert out == "<p>前 画面写真 後</p>"


@pytest.mark.parametrize("value", [None, "", "   ", "\n\n"])
def test_empty_input(value):
    out = render_markdown(value)
    assert isinstance(out, Markup)
    assert out == ""


def test_returns_markup_not_double_escaped_in_jinja():
    from markupsafe import escape

    out = render_markdown("**太字**")
    assert isinstance(out, Markup)
    assert escape(out) == out


class TestPositive:
    def test_paragraph_and_emphasis(self):
        out = str(render_markdown("こんにちは **太字** と *斜体*"))
        assert out == "<p>こんにちは <strong>太字</strong> と <em>斜体</em></p>"

    def test_newline_becomes_br(self):
        assert str(render_markdown("一行目\n二行目")) == "<p>一行目<br>\n二行目</p>"

    def test_lists(self):
        out = str(render_markdown("- りんご\n- みかん\n\n1. 手順1\n2. 手順2"))
        assert "<ul>\n<li>りんご</li>\n<li>みかん</li>\n</ul>" in out
        assert "<ol>\n<li>手順1</li>\n<li>手順2</li>\n</ol>" in out

    def test_table_without_style(self):
        out = str(render_markdown("| 項目 | 値 |\n|:--|--:|\n| 件数 | 3 |"))
        assert "<table>" in out and "<th>項目</th>" in out and "<td>3</td>" in out
        assert "style" not in out

    def test_fenced_code_escapes_html(self):
        out = str(
            render_markdown("```python\nif a < b and c > d:\n    print('<b>')\n```")
        )
        assert out.startswith("<pre><code>")
        assert "if a &lt; b and c &gt; d:" in out
        assert "print('&lt;b&gt;')" in out

    def test_inline_code(self):
        assert str(render_markdown("`x < 1`")) == "<p><code>x &lt; 1</code></p>"

    def test_blockquote_and_hr(self):
        out = str(render_markdown("> 引用\n\n---"))
        assert "<blockquote>\n<p>引用</p>\n</blockquote>" in out
        assert "<hr>" in out

    def test_headings_are_demoted(self):
        out = str(
            render_markdown("# 見出し1\n\n## 見出し2\n\n#### 見出し4\n\n###### 見出し6")
        )
        assert "<h3>見出し1</h3>" in out
        assert "<h4>見出し2</h4>" in out
        assert "<h6>見出し4</h6>" in out
        assert "<h6>見出し6</h6>" in out
        assert "<h1" not in out and "<h2" not in out

    def test_link_gets_rel(self):
        out = str(
            render_markdown('[県HP](https://www.pref.example.lg.jp/ "県のサイト")')
        )
        assert out == (
            '<p><a href="https://www.pref.example.lg.jp/" title="県のサイト" '
            'rel="noopener noreferrer nofollow">県HP</a></p>'
        )

    def test_autolink_and_mailto(self):
        out = str(
            render_markdown(
                "<https://example.com/a?b=1&c=2> と <dx@pref.example.lg.jp>"
            )
        )
        assert 'href="https://example.com/a?b=1&amp;c=2"' in out
        assert 'href="mailto:dx@pref.example.lg.jp"' in out
        assert out.count('rel="noopener noreferrer nofollow"') == 2

    def test_relative_links_are_not_linked(self):
        out = str(render_markdown("[内部](/tickets/1) [proto](//evil.example)"))
        assert "href" not in out

    def test_entities_stay_text(self):
        assert (
            str(render_markdown("A &amp; B &lt;tag&gt;"))
            == "<p>A &amp; B &lt;tag&gt;</p>"
        )

    def test_repeated_calls_do_not_leak_state(self):
        render_markdown("[a][r]\n\n[r]: https://example.com/leak")
        assert "leak" not in str(render_markdown("[a][r]"))


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.com", True),
        ("HTTP://EXAMPLE.COM/x", True),
        ("mailto:a@example.com", True),
        ("javascript:alert(1)", False),
        ("jav\tascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("/relative", False),
        ("//evil.example", False),
        ("https://", False),
        ("mailto:", False),
        ("ftp://example.com", False),
    ],
)
def test_is_safe_url(url, ok):
    assert is_safe_url(url) is ok


def test_to_plain_text_drops_markdown_syntax():
    """Search snippets show words, not **, list markers or HTML."""
    from consult.markup import to_plain_text

    text = "**これまでのやり方**\n\n- 紙で受付\n- Excelに転記 <script>x</script>\n\n[手順書](https://example.jp) &amp; 1 < 2"
    plain = to_plain_text(text)
    assert "**" not in plain and "- " not in plain and "](" not in plain
    assert "これまでのやり方" in plain and "紙で受付" in plain and "Excelに転記" in plain and "手順書" in plain
    assert "1 < 2" in plain
    assert to_plain_text(None) == ""


def _mentions(word):
    """A resolver that knows one login and one name (as consult.inbox.mentions builds them)."""
    for name, url in (("dx2", "/desk/workload#staff-2"), ("高橋三郎", "/desk/workload#staff-1")):
        if word == name or (not word.isascii() and word.startswith(name)):
            return len(name), url, f"{name}（担当状況）"
    return None


def test_mentions_become_links_only_when_asked_and_only_in_plain_text():
    """@login and @name link with the resolver; not in code, not inside a link, not after a word character."""
    html = str(render_markdown("@dx2 と @高橋三郎さん、`@dx2`、[@dx2](https://example.jp)、a@dx2、@unknown", mentions=_mentions))
    assert html.count('class="mention"') == 2
    assert '<a class="mention" href="/desk/workload#staff-2" title="dx2（担当状況）" rel="noopener noreferrer nofollow">@dx2</a>' in html
    assert ">@高橋三郎</a>さん" in html and "<code>@dx2</code>" in html and "a@dx2" in html and "@unknown" in html
    assert 'class="mention"' not in str(render_markdown("@dx2 と @高橋三郎さん"))  # without a resolver: text


def test_mention_links_do_not_open_relative_links_for_other_text():
    """Only the URLs the resolver produced pass the href filter: a typed relative link is still dropped."""
    html = str(render_markdown("@dx2 [x](/admin/users) [y](javascript:alert(1))", mentions=_mentions))
    hrefs = [a.get("href") for tag, a in _parsed_tags(html) if tag == "a"]
    assert hrefs == ["/desk/workload#staff-2", None, None]


_JAPANESE = "あいうえおかきくけこ漢字業務申請書。、「」（）！？ー・０１２ＡＢａｂabcXYZ0123 \u3000\n"
_MARKUP = "\r\t*-#_`<>&.\u200b\u202e"


@settings(max_examples=600, deadline=None)
@example("段落\n\n\u3000字下げの段落")  # a paragraph's leading ideographic space is dropped by the renderer
@example("行末の空白  \r\n次の行")
@example("見えない\u200b文字")
@given(st.one_of(st.text(alphabet=_JAPANESE, max_size=80), st.text(alphabet=_JAPANESE + _MARKUP, max_size=80)))
def test_plain_texts_skip_the_renderer_with_the_same_result(text):
    """to_plain_text's shortcut for texts without markup characters gives what the renderer gives, for any mix of
    Japanese, spaces (also at line edges and ideographic), blank lines, CR, tabs and Markdown characters."""
    from consult.markup import _rendered_plain_text, to_plain_text

    assert to_plain_text(text) == (_rendered_plain_text(text) if text else "")


def test_the_shortcut_is_taken_for_ordinary_japanese():
    from consult import markup

    assert not markup._MARKUP_RE.search("紙の申請書を回覧していた。\n\n年間２００時間（推計）かかっていた")
    assert markup._MARKUP_RE.search("1. 手順") and markup._MARKUP_RE.search("　字下げ") and markup._MARKUP_RE.search("行末 \n次")
