"""Administration pages 管理: users, departments, categories (admins only)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.guards import admin_required
from consult.errors import DomainError
from consult.paging import page_number

from . import bp, service
from .forms import (
    ActionForm,
    CategoryCreateForm,
    CategoryEditForm,
    DepartmentCreateForm,
    DepartmentEditForm,
    ForcePasswordForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)


def _actor():
    """The logged-in admin as a plain User object."""
    return current_user._get_current_object()


def _status(form, error) -> int:
    """422 when the page is shown again because of bad input, else 200."""
    return 422 if (error or form.errors) else 200


def _submit(valid: bool, operation, message, target: str):
    """Run a validated form's service operation: (redirect with a flash, None) or (None, the Japanese error).

    `message` turns the operation's result into the success flash; nothing runs unless `valid`."""
    if not valid:
        return None, None
    try:
        result = operation()
    except DomainError as exc:
        return None, exc.message
    flash(message(result), "success")
    return redirect(target), None


@bp.route("/")
@admin_required
def index():
    """Admin home 管理."""
    return render_template("admin/index.html", title="管理", mail=service.mail_status())


# --- users ----------------------------------------------------------------------------------------

@bp.route("/users")
@admin_required
def users():
    """User list with filters by role, department, active flag and text, paged."""
    form = UserFilterForm(request.args)
    form.department.choices = [(None, "すべて"), *service.department_choices()]
    status, filters = 200, {}
    if form.validate():
        filters = dict(role=form.role.data or None, department_id=form.department.data,
                       active={"1": True, "0": False}.get(form.active.data), q=form.q.data or None)
    else:
        status = 400
    page = page_number(request.args.get("page"))
    pagination = service.list_users(page=page, **filters)
    return render_template("admin/users.html", title="利用者の管理", form=form, pagination=pagination,
                           is_locked=service.is_locked), status


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create a user with an initial password."""
    form = UserCreateForm()
    form.department.choices = [(None, "（なし）"), *service.department_choices()]
    done, error = _submit(
        form.validate_on_submit(),
        lambda: service.create_user(
            login=form.login.data, name=form.name.data, email=form.email.data,
            department_id=form.department.data, role=form.role.data, password=form.password.data,
            must_change_password=form.must_change_password.data, actor=_actor(),
        ),
        lambda user: f"利用者 {user.login}（{user.name}）を登録しました。",
        url_for("admin.users"),
    )
    if done:
        return done
    return render_template("admin/user_new.html", title="利用者の登録", form=form, error=error), _status(form, error)


def _user_edit_page(user, form, pw_form, error=None, pw_error=None):
    """Render the user page with both forms (the one that failed keeps its input)."""
    status = 422 if (error or pw_error or form.errors or pw_form.errors) else 200
    return render_template("admin/user_edit.html", title=f"利用者の編集：{user.login}", user=user, form=form,
                           pw_form=pw_form, action_form=ActionForm(), error=error, pw_error=pw_error,
                           locked=service.is_locked(user)), status


def _user_edit_form(user, formdata=None) -> UserEditForm:
    """The edit form bound to `user`, with department choices."""
    form = UserEditForm(formdata=formdata, obj=None if formdata else user)
    if not formdata:
        form.department.data = user.department_id
    form.department.choices = [(None, "（なし）"), *service.department_choices(include_id=user.department_id)]
    return form


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def user_edit(user_id):
    """Edit a user's name, e-mail, department, role and active flag."""
    user = service.get_user(user_id)
    form = _user_edit_form(user, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate() and user.active and not form.active.data and user.id != _actor().id:
        from .views_reassign import deactivation_redirect  # staff with open tickets: reassign first

        redirect_to = deactivation_redirect(user)
        if redirect_to is not None:
            return redirect_to
    done, error = _submit(
        request.method == "POST" and form.validate(),
        lambda: service.update_user(user, name=form.name.data, email=form.email.data, department_id=form.department.data,
                                    role=form.role.data, active=form.active.data, actor=_actor()),
        lambda _: f"利用者 {user.login} を更新しました。",
        url_for("admin.user_edit", user_id=user.id),
    )
    if done:
        return done
    return _user_edit_page(user, form, ForcePasswordForm(formdata=None), error=error)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_password(user_id):
    """Require a password change at next login, optionally with a temporary password."""
    user = service.get_user(user_id)
    pw_form = ForcePasswordForm()
    temporary = "仮パスワードを設定し、" if pw_form.temporary_password.data else ""
    done, pw_error = _submit(
        pw_form.validate_on_submit(),
        lambda: service.force_password_change(user, temporary_password=pw_form.temporary_password.data, actor=_actor()),
        lambda _: f"{user.login} に{temporary}次回ログイン時のパスワード変更を求めるようにしました。",
        url_for("admin.user_edit", user_id=user.id),
    )
    if done:
        return done
    return _user_edit_page(user, _user_edit_form(user), pw_form, pw_error=pw_error)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_required
def user_unlock(user_id):
    """Clear the account lockout."""
    user = service.get_user(user_id)
    if ActionForm().validate_on_submit():
        service.unlock(user, actor=_actor())
        flash(f"{user.login} のロックを解除しました。", "success")
    else:
        flash("画面の有効期限が切れました。もう一度操作してください。", "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# --- departments ----------------------------------------------------------------------------------

@bp.route("/departments", methods=["GET", "POST"])
@admin_required
def departments():
    """Department tree (部局 → 課) and the form to add one."""
    form = DepartmentCreateForm()
    form.parent.choices = [(None, "（なし：部局として追加）"), *service.department_choices(top_only=True)]
    done, error = _submit(
        form.validate_on_submit(),
        lambda: service.add_department(code=form.code.data, name=form.name.data, parent_id=form.parent.data,
                                       actor=_actor()),
        lambda dept: f"所属 {dept.code} {dept.full_name} を追加しました。",
        url_for("admin.departments"),
    )
    if done:
        return done
    return render_template("admin/departments.html", title="所属の管理", form=form, error=error,
                           tree=service.department_tree()), _status(form, error)


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@admin_required
def department_edit(department_id):
    """Rename or deactivate a department."""
    dept = service.get_department(department_id)
    form = DepartmentEditForm(obj=dept)
    done, error = _submit(
        form.validate_on_submit(),
        lambda: service.update_department(dept, name=form.name.data, active=form.active.data, actor=_actor()),
        lambda _: f"所属 {dept.code} を更新しました。",
        url_for("admin.departments"),
    )
    if done:
        return done
    return render_template("admin/department_edit.html", title=f"所属の編集：{dept.code}", dept=dept, form=form,
                           error=error), _status(form, error)


# --- categories -----------------------------------------------------------------------------------

@bp.route("/categories", methods=["GET", "POST"])
@admin_required
def categories():
    """Category list in display order, with reordering and the form to add one."""
    form = CategoryCreateForm()
    done, error = _submit(
        form.validate_on_submit(),
        lambda: service.add_category(name=form.name.data, actor=_actor()),
        lambda cat: f"分類「{cat.name}」を追加しました。",
        url_for("admin.categories"),
    )
    if done:
        return done
    return render_template("admin/categories.html", title="分類の管理", form=form, error=error,
                           categories=service.list_categories(), action_form=ActionForm()), _status(form, error)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_required
def category_edit(category_id):
    """Rename or deactivate a category."""
    cat = service.get_category(category_id)
    form = CategoryEditForm(obj=cat)
    done, error = _submit(
        form.validate_on_submit(),
        lambda: service.update_category(cat, name=form.name.data, active=form.active.data, actor=_actor()),
        lambda _: f"分類「{cat.name}」を更新しました。",
        url_for("admin.categories"),
    )
    if done:
        return done
    return render_template("admin/category_edit.html", title="分類の編集", cat=cat, form=form,
                           error=error), _status(form, error)


@bp.route("/categories/<int:category_id>/move", methods=["POST"])
@admin_required
def category_move(category_id):
    """Move a category one place up or down."""
    cat = service.get_category(category_id)
    if not ActionForm().validate_on_submit():
        flash("画面の有効期限が切れました。もう一度操作してください。", "error")
    else:
        service.move_category(cat, request.form.get("direction", ""), actor=_actor())
        flash(f"分類「{cat.name}」の順番を変えました。", "success")
    return redirect(url_for("admin.categories") + f"#category-{cat.id}")
