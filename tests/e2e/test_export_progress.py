"""A large export in a real Chromium: the progress page, its script redrawing the panel as a worker writes the
file, the screen-reader announcement, then the download of a workbook that opens."""
import io

import openpyxl
import pytest

from consult.reports import exportjobs

pytestmark = pytest.mark.browser


def test_progress_page_turns_into_a_download(e2e, e2e_server):
    app = e2e_server["app"]
    saved = app.config.get("CONSULT_EXPORT_INLINE_MAX_ROWS")
    app.config["CONSULT_EXPORT_INLINE_MAX_ROWS"] = 1  # the demo's tickets count as a large export
    try:
        page = e2e.login("dx1")
        page.goto("/reports/export/tickets.xlsx?f=1")
        assert "/reports/exports/" in page.url
        assert "出力の順番を待っています" in page.locator("#export-panel").inner_text()
        assert page.get_by_role("link", name="最新の状態を表示する").is_visible()  # works without the script

        with app.app_context():
            counts = exportjobs.work()
        assert counts["done"] == 1

        link = page.get_by_role("link", name="をダウンロード")
        link.wait_for(timeout=15_000)  # the script polls every 2 s and redraws the panel
        assert "出力ができました" in page.locator("#export-live").text_content()  # announced once, politely
        assert page.get_by_role("link", name="最新の状態を表示する").count() == 0
        with page.expect_download() as download:
            link.click()
        path = download.value.path()
        with open(path, "rb") as fh:
            sheet = openpyxl.load_workbook(io.BytesIO(fh.read()), read_only=True).worksheets[0]
            rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("番号", "件名", "状態") and len(rows) > 2
        assert download.value.suggested_filename.startswith("tickets-")
        assert not page.console_errors, page.console_errors  # no CSP violation, no failed poll
    finally:
        app.config["CONSULT_EXPORT_INLINE_MAX_ROWS"] = saved
