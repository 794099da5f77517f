"""Departments (部局 → 課) and categories: add, rename, deactivate, reorder, all audited."""
from sqlalchemy import select

from models import AuditEvent, Category, Department, db
from tests import factories


def _events(action):
    """Audit events of one action."""
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _dept(code):
    """Reload a department."""
    db.session.expire_all()
    return db.session.scalar(select(Department).where(Department.code == code))


def test_department_tree_and_add(admin_client, users):
    """Add a 部局 and a 課 under it; the list shows the tree."""
    r = admin_client.post("/admin/departments", data={"code": "SOMU", "name": "総務部", "parent": ""})
    assert r.status_code == 302
    top = _dept("SOMU")
    r = admin_client.post("/admin/departments", data={"code": "SOMU-JINJI", "name": "人事企画課", "parent": top.id})
    assert r.status_code == 302
    assert _dept("SOMU-JINJI").parent_id == top.id
    page = admin_client.get("/admin/departments").get_data(as_text=True)
    assert page.index("総務部") < page.index("人事企画課")
    assert "総務部の課" in page  # the tree is spoken, not only indented
    assert len(_events("department.created")) == 2
    assert _events("department.created")[0].actor_id == users["admin"].id


def test_department_add_validation(admin_client, users):
    """Duplicate code, bad code, 課 under a 課: 422 with messages, input kept."""
    code = users["requester"].department.code
    r = admin_client.post("/admin/departments", data={"code": code, "name": "重複課", "parent": ""})
    assert r.status_code == 422 and "すでに登録されています" in r.get_data(as_text=True)
    assert 'value="重複課"' in r.get_data(as_text=True)
    r = admin_client.post("/admin/departments", data={"code": "総務", "name": "", "parent": ""})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "英数字・-・_ の32文字以内にしてください" in page and "所属名を入力してください" in page
    top = factories.make_department("TOP", "土木部")
    child = factories.make_department("CHILD", "道路課2", parent=top)
    r = admin_client.post("/admin/departments", data={"code": "GRAND", "name": "孫係", "parent": child.id})
    assert r.status_code == 422  # not offered as a parent
    assert _dept("GRAND") is None


def test_department_rename_and_deactivate(admin_client, users):
    """Rename and deactivate a 課; a 部局 with active 課 cannot be deactivated."""
    top = factories.make_department("TOP", "土木部")
    child = factories.make_department("CHILD", "道路課2", parent=top)
    r = admin_client.post(f"/admin/departments/{top.id}/edit", data={"name": "土木部"})
    assert r.status_code == 422 and "有効な課が1件あります" in r.get_data(as_text=True)
    assert _dept("TOP").active
    r = admin_client.post(f"/admin/departments/{child.id}/edit", data={"name": "道路整備課"})
    assert r.status_code == 302
    assert (_dept("CHILD").name, _dept("CHILD").active) == ("道路整備課", False)
    [event] = _events("department.updated")
    assert event.before == {"name": "道路課2", "active": True} and event.after == {"name": "道路整備課", "active": False}
    r = admin_client.post(f"/admin/departments/{top.id}/edit", data={"name": "土木部"})
    assert r.status_code == 302 and not _dept("TOP").active
    # an inactive department is no longer offered for new users
    form = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert "道路整備課" not in form


def test_category_add_rename_deactivate(admin_client, users):
    """Add, rename and deactivate categories; duplicates are refused."""
    assert admin_client.post("/admin/categories", data={"name": "集計・データ処理"}).status_code == 302
    r = admin_client.post("/admin/categories", data={"name": "集計・データ処理"})
    assert r.status_code == 422 and "すでにあります" in r.get_data(as_text=True)
    r = admin_client.post("/admin/categories", data={"name": ""})
    assert r.status_code == 422 and "分類名を入力してください" in r.get_data(as_text=True)
    cat = db.session.scalar(select(Category))
    r = admin_client.post(f"/admin/categories/{cat.id}/edit", data={"name": "集計・データ整理"})
    assert r.status_code == 302
    db.session.expire_all()
    cat = db.session.get(Category, cat.id)
    assert (cat.name, cat.active) == ("集計・データ整理", False)
    assert _events("category.created") and _events("category.updated")
    assert "無効" in admin_client.get("/admin/categories").get_data(as_text=True)


def test_category_reorder(admin_client, users):
    """Up/down buttons swap neighbours; the new order is audited."""
    a, b, c = (factories.make_category(n) for n in ("A分類", "B分類", "C分類"))
    r = admin_client.post(f"/admin/categories/{c.id}/move", data={"direction": "up"})
    assert r.status_code == 302
    page = admin_client.get("/admin/categories").get_data(as_text=True).split("<tbody>")[1]
    assert page.index("A分類") < page.index("C分類") < page.index("B分類")
    [event] = _events("category.reordered")
    assert event.after["order"] == [a.id, c.id, b.id]
    admin_client.post(f"/admin/categories/{a.id}/move", data={"direction": "up"})  # already first: no change
    assert len(_events("category.reordered")) == 1
    r = admin_client.post(f"/admin/categories/{a.id}/move", data={"direction": "sideways"})
    assert r.status_code == 400


def test_unknown_ids_are_404(admin_client, users):
    """Unknown category ids are a Japanese 404; unknown departments are refused."""
    assert admin_client.get("/admin/categories/9999/edit").status_code == 404
    assert admin_client.get("/admin/departments/9999/edit").status_code in (400, 404)
