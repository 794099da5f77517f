"""Security headers on every answer, and templates that a strict CSP can serve (no inline code or style)."""
import re
from pathlib import Path

import pytest

from consult import create_app
from tests.conftest import make_config

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _csp(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources}."""
    parts = (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))
    return {p.split()[0]: " ".join(p.split()[1:]) for p in parts if p}


@pytest.mark.parametrize("url", ["/login", "/healthz", "/no-such-page"])
def test_headers_on_every_answer(client, url):
    """CSP without inline scripts or styles, nosniff, a referrer policy and no framing — also on errors."""
    response = client.get(url)
    csp = _csp(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP on a laptop: no HSTS


def test_hsts_when_https_is_configured(database_url, tmp_path, monkeypatch):
    """CONSULT_HTTPS=1 adds HSTS and makes the session cookie Secure."""
    monkeypatch.setenv("CONSULT_HTTPS", "1")
    app = create_app(make_config(database_url, tmp_path))
    response = app.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_personal_pages_are_not_cached_static_files_are(as_role, world):
    """Pages and downloads with personal data say no-store; CSS and JS may be cached."""
    client = as_role("dx_staff")
    for url in (f"/tickets/{world.ticket.number}", "/desk/", "/reports/export/tickets.csv",
                f"/tickets/{world.ticket.number}/attachments/{world.attachment.id}", "/login"):
        response = client.get(url)
        response.close()
        assert "no-store" in response.headers["Cache-Control"], url
    for url in ("/static/css/app.css", "/static/js/app.js"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert "no-store" not in response.headers["Cache-Control"] and "max-age=" in response.headers["Cache-Control"]


def test_attachments_download_as_files_in_a_sandbox(as_role, world):
    """An attachment is never rendered inline: attachment disposition, nosniff, sandboxed CSP."""
    response = as_role("requester").get(f"/tickets/{world.ticket.number}/attachments/{world.attachment.id}")
    response.close()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def _template_files():
    """Every HTML template."""
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_code_style_or_outside_urls(path):
    """No <script> without src, no on*= handlers, no style= attributes, no <style> blocks, no external URLs."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text, re.I), "inline <script>"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", text, re.I), "on*= event handler attribute"
    assert not re.search(r"<[^>]*\sstyle\s*=", text, re.I), "style= attribute"
    assert not re.search(r"<style\b", text, re.I), "<style> block"
    assert not re.search(r"(src|href|action)\s*=\s*[\"']?\s*(https?:)?//", text, re.I), "asset or link off the server"
    assert not re.search(r"javascript:", text, re.I), "javascript: URL"


def test_static_files_load_nothing_from_the_internet():
    """CSS and JS reference no outside URLs (fonts, CDNs)."""
    static = Path(__file__).resolve().parents[2] / "consult" / "static"
    for path in list(static.rglob("*.css")) + list(static.rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), path
        assert not re.search(r"@import\s+[\"']?(url\()?[\"']?(https?:)?//", text), path
        assert not re.search(r"\b(fetch|import)\(\s*[\"'`]https?://", text), path
