"""Draft from a ticket, edit, publish with the anonymisation check, revisions, archive, visibility."""
from sqlalchemy import select

from consult.cases import service
from models import AuditEvent, Case, CaseRevision, db
from tests import factories


def edit_data(case, **overrides):
    """Form data of the editor for `case`, with overrides."""
    data = {
        "title": case.title, "department_mode": "generic", "department_id": case.department_id or "",
        "department_custom": "", "category_id": case.category_id or "", "resolution_type": case.resolution_type or "",
        "hours_saved_per_year": case.hours_saved_per_year if case.hours_saved_per_year is not None else "",
        "problem": case.problem, "cause": case.cause, "solution": case.solution, "effect": case.effect,
        "tools": "、".join(case.tools or []), "tags": "、".join(case.tags or []), "version": case.version,
        "action": "save",
    }
    data.update(overrides)
    return data


def draft_from(client, auth, ticket):
    """Log in as DX staff and draft a case from the ticket."""
    auth.login("dx")
    response = client.post(f"/cases/from-ticket/{ticket.number}")
    assert response.status_code == 302
    return db.session.scalar(select(Case).where(Case.source_ticket_id == ticket.id))


def test_draft_from_ticket_is_prefilled(client, auth, users, resolved_ticket):
    case = draft_from(client, auth, resolved_ticket)
    assert case.status == "draft"
    assert case.ref.startswith("C-") and case.ref.endswith("-0001")
    assert case.title == "出張旅費の計算を楽にしたい"
    assert "職員の出張旅費を正しく支給するため" in case.problem
    assert "電卓で計算している" in case.problem and "毎月50件あり" in case.problem
    assert case.cause == "運賃表と日当の規程が紙でしか管理されていなかった"
    assert case.solution.startswith("運賃と日当をExcelの表にまとめ")
    assert case.resolution_type == "ツール導入"
    assert case.hours_saved_per_year == 150
    assert case.effect == "年間約150時間の削減"
    assert case.department_label == "本庁 人事課"  # a top-level department is its own 部局
    assert case.author_id == users["dx_staff"].id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.created", AuditEvent.object_id == case.id))
    # A second click opens the same draft.
    client.post(f"/cases/from-ticket/{resolved_ticket.number}")
    assert len(db.session.scalars(select(Case)).all()) == 1


def test_generic_label_uses_the_bureau(app, users):
    bureau = factories.make_department(name="総務部")
    section = factories.make_department(name="文書課", parent=bureau)
    assert service.generic_label(section) == "本庁 総務部"
    assert service.department_label("actual", section) == "総務部 文書課"


def test_open_or_unresolvable_tickets_cannot_become_cases(client, auth, users):
    auth.login("dx")
    open_ticket = factories.make_ticket(requester=users["requester"], status="in_progress")
    response = client.post(f"/cases/from-ticket/{open_ticket.number}", follow_redirects=True)
    assert "解決" in response.get_data(as_text=True)
    refused = factories.make_ticket(requester=users["requester"], status="closed", resolution_type="対応不可")
    response = client.post(f"/cases/from-ticket/{refused.number}", follow_redirects=True)
    assert "「対応不可」の相談は事例にできません" in response.get_data(as_text=True)
    assert db.session.scalars(select(Case)).all() == []
    assert client.post("/cases/from-ticket/DX-1999-9999").status_code == 404


def test_requesters_cannot_draft_or_manage(client, auth, users, resolved_ticket):
    auth.login("req")
    assert client.post(f"/cases/from-ticket/{resolved_ticket.number}").status_code == 403
    assert client.get("/cases/manage").status_code == 403
    assert client.get("/cases/new").status_code == 403


def test_editor_highlights_findings(client, auth, users, resolved_ticket):
    case = draft_from(client, auth, resolved_ticket)
    page = client.get(f"/cases/{case.ref}/edit").get_data(as_text=True)
    # The sentence copied from a ticket marked "contains personal info" is flagged as a whole.
    assert '<mark title="個人情報の記述">人事課の田中さん（内線2214）に運賃を確認してから電卓で計算している</mark>' in page
    assert '<mark title="氏名">山田 花子</mark>' in page
    assert 'name="acknowledged"' in page


def test_publish_refused_until_findings_fixed_or_acknowledged(client, auth, users, resolved_ticket):
    case = draft_from(client, auth, resolved_ticket)
    response = client.post(f"/cases/{case.ref}/publish", data={"version": case.version})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "個人情報の可能性がある箇所" in text and "内線2214" in text
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "draft"

    # Fix some by editing, acknowledge the rest one by one.
    fixed = "運賃を確認してから電卓で計算していた。毎月50件あった。窓口は田中さん（内線2214）。"
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, problem=fixed))
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    remaining = service.findings(case)
    assert [(f.kind, f.text) for f in remaining] == [("氏名", "田中さん"), ("電話番号", "内線2214")]
    response = client.post(f"/cases/{case.ref}/publish", data={"version": case.version,
                                                                "acknowledged": [f.id for f in remaining[:-1]]})
    assert response.status_code == 400
    response = client.post(f"/cases/{case.ref}/publish", data={"version": case.version,
                                                                "acknowledged": [f.id for f in remaining]})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "published" and case.published_at is not None
    assert set(case.acknowledged_findings) >= {f.id for f in remaining}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.published"))


def test_revisions_archive_and_republish(client, auth, users):
    auth.login("dx")
    response = client.post("/cases/new", data={
        "title": "会議資料のペーパーレス化", "department_mode": "custom", "department_custom": "出先機関",
        "problem": "会議のたびに資料を100部印刷していた", "solution": "タブレットで資料を共有した",
        "tools": "タブレット, 共有フォルダ、PDF", "tags": "ペーパーレス", "resolution_type": "業務改善",
        "hours_saved_per_year": "30", "action": "save"})
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert case.department_label == "出先機関" and case.tools == ["タブレット", "共有フォルダ", "PDF"]
    assert client.post(f"/cases/{case.ref}/publish", data={"version": case.version}).status_code == 302
    db.session.expire_all()
    assert client.post(f"/cases/{case.ref}/archive", data={"version": case.version}).status_code == 302
    db.session.expire_all()
    assert case.status == "archived"
    assert client.post(f"/cases/{case.ref}/publish", data={"version": case.version}).status_code == 302
    db.session.expire_all()
    assert case.status == "published"
    numbers = db.session.scalars(select(CaseRevision.number).where(CaseRevision.case_id == case.id)
                                 .order_by(CaseRevision.number)).all()
    assert numbers == [1, 2]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "case")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["case.created", "case.published", "case.archived", "case.published"]


def test_stale_version_is_a_conflict(client, auth, users):
    case = factories.make_case(status="draft", title="古い版の事例")
    auth.login("dx")
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, title="新しい件名", version=case.version + 5))
    assert response.status_code == 409
    assert "新しい件名" in response.get_data(as_text=True)  # what the user typed comes back
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == "古い版の事例"


def test_preview_renders_markdown_without_saving(client, auth, users):
    case = factories.make_case(status="draft")
    auth.login("dx")
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, problem="**大事**な点", action="preview"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>大事</strong>" in text
    db.session.expire_all()
    assert "大事" not in db.session.get(Case, case.id).problem


def test_invalid_edit_keeps_input_and_is_4xx(client, auth, users):
    case = factories.make_case(status="draft")
    auth.login("dx")
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, title="", hours_saved_per_year="たくさん",
                                                                       problem="入力した本文"))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "件名を入力してください" in text and "入力した本文" in text


def test_drafts_and_archived_are_invisible_to_requesters(client, auth, users):
    draft = factories.make_case(status="draft", title="下書きの事例")
    archived = factories.make_case(status="archived", title="終了した事例")
    published = factories.make_case(status="published", title="公開中の事例")
    auth.login("req")
    assert client.get(f"/cases/{draft.ref}").status_code == 404
    assert client.get(f"/cases/{archived.ref}").status_code == 404
    assert client.get(f"/cases/{published.ref}").status_code == 200
    assert client.get(f"/cases/{draft.ref}/edit").status_code == 403
    auth.logout()
    auth.login("dx")
    page = client.get(f"/cases/{draft.ref}").get_data(as_text=True)
    assert "下書き" in page


def test_manage_lists_by_status(client, auth, users):
    factories.make_case(status="draft", title="下書きA")
    factories.make_case(status="published", title="公開B")
    auth.login("dx")
    page = client.get("/cases/manage?status=draft").get_data(as_text=True)
    assert "下書きA" in page and "公開B" not in page
    page = client.get("/cases/manage?q=公開").get_data(as_text=True)
    assert "公開B" in page and "下書きA" not in page


def test_editing_a_published_case_rechecks_and_revises(client, auth, users):
    case = factories.make_case(status="draft", title="公開後に直す事例")
    service.publish(case, users["dx_staff"])
    auth.login("dx")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, effect="詳しくは tanaka@pref.example.jp まで"))
    assert response.status_code == 400 and "tanaka@pref.example.jp" in response.get_data(as_text=True)
    [finding] = service.findings(case, {"effect": "詳しくは tanaka@pref.example.jp まで"})
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, effect="詳しくは tanaka@pref.example.jp まで",
                                                                       acknowledged=[finding.id]))
    assert response.status_code == 302
    db.session.expire_all()
    numbers = db.session.scalars(select(CaseRevision.number).where(CaseRevision.case_id == case.id)).all()
    assert sorted(numbers) == [1, 2]


def test_editor_pages_render_and_custom_label_needs_text(client, auth, users):
    auth.login("dx")
    assert client.get("/cases/new").status_code == 200
    response = client.post("/cases/new", data={"title": "件名", "department_mode": "custom", "department_custom": "",
                                               "action": "save"})
    assert response.status_code == 400 and "自由入力" in response.get_data(as_text=True)
    assert db.session.scalars(select(Case)).all() == []
