"""移管 packages (JSON, HTML, attachments, SHA-256 manifest), disposal after receipt, and both ledgers."""
import csv
import io
import json
import zipfile
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import select

from consult.records import rules, service, transfer
from consult.records.store import attachment_exists
from models import Attachment, AuditEvent, DisposalEntry, RecordRetention, db

from .conftest import make_completed

CLOSED = datetime(2020, 11, 2, 3, 0)  # FY2020 → 3 years end 2024-03-31


def _approve(ticket, users):
    """Propose (DX staff) and approve (admin) through the services."""
    service.propose({ticket.id: 0}, service.schedule.today(), users["dx_staff"])
    ret = db.session.get(RecordRetention, ticket.id, populate_existing=True)
    service.approve(ticket.id, ret.version, users["admin"])


def test_transfer_package_then_disposal_after_receipt(app, client, auth, users, category, runner, frozen):
    """The package holds record.json, record.html, the file and a manifest that verifies; disposal waits for 受領確認."""
    rules.set_rule(category.id, 3, "transfer", 0, users["admin"])
    ticket = make_completed(users["requester"], CLOSED, category)
    stored = db.session.scalar(select(Attachment.stored_name).where(Attachment.ticket_id == ticket.id))
    frozen("2024-04-01")
    _approve(ticket, users)
    result = runner.invoke(args=["jobs", "run"])
    assert "移管パッケージ作成 1件" in result.output, result.output
    ret = db.session.get(RecordRetention, ticket.id, populate_existing=True)
    assert ret.state == "packaged" and attachment_exists(stored)
    path = transfer.package_path(ret.package_name)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        record = json.loads(archive.read(f"{ticket.number}/record.json"))
        html = archive.read(f"{ticket.number}/record.html").decode()
        assert f"{ticket.number}/attachments/" in "".join(names)
        assert {"manifest-sha256.txt", "index.json", "style.css"} <= names
    assert record["problem"].startswith("山田花子") and len(record["comments"]) == 2
    assert record["attachments"][0]["name"] == "集計表.csv" and ticket.number in html
    assert transfer.verify_package(path) == []

    auth.login("admin")
    download = client.get(f"/records/packages/{ret.package_name}")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    download.close()
    assert client.get("/records/packages/..%2Fsecret").status_code == 404
    assert client.post(f"/records/{ticket.id}/confirm", data={"version": ret.version}).status_code == 302
    assert "廃棄 1件" in runner.invoke(args=["jobs", "run"]).output
    assert not attachment_exists(stored)
    entry = db.session.scalar(select(DisposalEntry).where(DisposalEntry.ticket_id == ticket.id))
    assert entry.action == "transfer" and entry.package_name == ret.package_name and len(entry.package_sha256) == 64
    assert path.is_file()  # the package itself stays until the archives have it

    csv_text = client.get("/records/ledger/disposals.csv").data.decode("utf-8")
    assert csv_text.startswith("\ufeff番号,分類,名称")
    row = next(r for r in csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))) if r[0] == ticket.number)
    assert row[8] == "移管" and row[10] == users["admin"].name
    page = client.get("/records/disposals").get_data(as_text=True)
    assert ticket.number in page and "移管" in page


def test_file_ledger_csv_xlsx_and_cli(app, client, auth, users, category, runner, tmp_path, frozen):
    """ファイル管理簿: every current record with 保存期間, 満了日, 措置 and 保存場所; CSV with BOM, XLSX, CLI."""
    rules.set_rule(category.id, 10, "transfer", 0, users["admin"])
    done = make_completed(users["requester"], CLOSED, category, with_file=False, title="=HYPERLINK(\"x\")")
    frozen("2026-12-03")
    auth.login("dx")
    text = client.get("/records/ledger/files.csv").data.decode("utf-8")
    assert text.startswith("\ufeff番号,分類,名称,作成・取得年度,保存期間,満了日,満了時の措置,保存場所")
    row = next(r for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if r[0] == done.number)
    assert row[1:8] == ["集計・データ処理", "'=HYPERLINK(\"x\")", "2019年度", "10年", "2031/03/31", "移管",
                        "業務DX相談窓口システム（サーバ）"]
    xlsx = client.get("/records/ledger/files.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[1]][:3] == ["番号", "分類", "名称"] and sheet["A2"].value == done.number
    assert client.get("/records/ledger").status_code == 200
    assert client.get("/records/ledger/files.pdf").status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "ledger_files")) is not None

    out = tmp_path / "ledger.csv"
    result = runner.invoke(args=["records", "ledger", str(out)])
    assert result.exit_code == 0 and "1件" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    result = runner.invoke(args=["records", "ledger", str(tmp_path / "l.xlsx"), "--kind", "disposals"])
    assert result.exit_code == 0 and load_workbook(tmp_path / "l.xlsx").active["A1"].value == "番号"
    bad = runner.invoke(args=["records", "ledger", str(tmp_path / "nope" / "x.csv")])
    assert bad.exit_code != 0 and "フォルダがありません" in bad.output


def test_retention_settings_in_admin(app, client, auth, users, category):
    """Admins set 保存期間 and 措置 per 分類 (audited); bad input and stale versions are refused in Japanese."""
    auth.login("admin")
    page = client.get("/records/settings")
    assert page.status_code == 200 and "集計・データ処理" in page.get_data(as_text=True)
    key = str(category.id)
    form = {f"r{key}-category": key, f"r{key}-years": "30", f"r{key}-action": "transfer", f"r{key}-version": "0"}
    assert client.post(f"/records/settings/{key}", data=form).status_code == 302
    assert rules.rule_map()[category.id] == (30, "transfer")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.rule_updated"))
    assert event.after["years"] == 30 and event.actor_id == users["admin"].id
    stale = client.post(f"/records/settings/{key}", data=form)
    assert stale.status_code == 409 and "ほかの管理者が先に" in stale.get_data(as_text=True)
    bad = client.post(f"/records/settings/{key}", data={**form, f"r{key}-years": "7", f"r{key}-version": "1"})
    assert bad.status_code == 422
    permanent = {**form, f"r{key}-years": "permanent", f"r{key}-version": "1"}
    assert client.post(f"/records/settings/{key}", data=permanent).status_code == 302
    assert rules.rule_map()[category.id] == (None, "transfer")
    assert client.post("/records/settings/none", data={"rnone-category": "none", "rnone-years": "1",
                                                       "rnone-action": "dispose", "rnone-version": "0"}).status_code == 302
    assert rules.rule_map()[None] == (1, "dispose")
    assert client.post("/records/settings/999999", data={}).status_code in (404, 422)
