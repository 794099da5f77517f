"""Identity admin pages (HTTP only; the services own the rules)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.admin import service as admin_service
from consult.auth import totp
from consult.auth.guards import admin_required
from consult.directory import settings as directory_settings
from consult.directory import sync

from . import bp, reorg, user_import
from .forms import ImportForm, OrgChangeForm, ResetSecondFactorForm


def _actor():
    """The signed-in admin as a plain User."""
    return current_user._get_current_object()


@bp.route("/directory", methods=["GET", "POST"])
@admin_required
def directory():
    """The last directory syncs and their differences; run a dry run or a sync."""
    error = None
    if request.method == "POST":
        dry_run = request.form.get("action") != "apply"
        try:
            run = sync.run(dry_run=dry_run, actor=_actor())
        except (sync.SyncError, directory_settings.DirectoryConfigError) as exc:
            error = exc.message
        else:
            counts = sync.counts(run)
            flash(("差分を確認しました（変更はしていません）: " if dry_run else "同期しました: ")
                  + " / ".join(f"{label} {counts[k]}件" for k, label in sync.KINDS.items()), "success")
            return redirect(url_for("identity.directory"))
    runs = sync.last_runs()
    return render_template("identity/directory.html", title="ディレクトリ同期", runs=runs, latest=runs[0] if runs else None,
                           kinds=sync.KINDS, labels=sync.FIELD_LABELS, counts=sync.counts, held_text=sync.held_text,
                           configured=directory_settings.configured(), error=error), 422 if error else 200


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["GET", "POST"])
@admin_required
def reset_second_factor(user_id):
    """Reset a user's second factor (lost phone) with a reason; the user enrols again at the next sign-in."""
    user = admin_service.get_user(user_id)
    form = ResetSecondFactorForm()
    error = None
    if form.validate_on_submit():
        try:
            totp.admin_reset(user, form.reason.data, actor=_actor())
        except totp.SecondFactorError as exc:
            error = exc.message
        else:
            flash(f"{user.login} の2段階認証をリセットしました。次回ログイン時に設定し直します。", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    status = 422 if (error or form.errors) else 200
    return render_template("identity/reset_second_factor.html", title="2段階認証のリセット", user=user, form=form, error=error), status


@bp.route("/users/import", methods=["GET", "POST"])
@admin_required
def users_import():
    """Upload a CSV of users; every line is checked first and nothing is stored when one is wrong."""
    form = ImportForm()
    error, problems = None, []
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            error = "CSVファイルを選んでください"
        else:
            try:
                result = user_import.import_users(upload.read(), actor=_actor())
            except user_import.ImportError_ as exc:
                error, problems = exc.message, exc.problems
            else:
                flash(f"CSVから利用者を取り込みました: {result.summary()}", "success")
                return redirect(url_for("admin.users"))
    status = 422 if (error or form.errors) else 200
    return render_template("identity/users_import.html", title="利用者の一括登録", form=form, error=error,
                           problems=problems), status


def _org_form(formdata=None) -> OrgChangeForm:
    """The 組織改正 form with the department choices (部局 for moves, 課 for merges)."""
    form = OrgChangeForm(formdata=formdata)
    depts = reorg.active_departments()
    form.department.choices = [(0, "選んでください")] + [(d.id, d.full_name) for d in depts]
    form.new_parent.choices = [("", "—")] + [(d.id, d.name) for d in depts if d.parent_id is None]
    form.target.choices = [("", "—")] + [(d.id, d.full_name) for d in depts if d.parent_id is not None]
    return form


@bp.route("/reorganisations", methods=["GET", "POST"])
@admin_required
def reorganisations():
    """組織改正: schedule a rename, move or merge with an effective date; the list of steps."""
    form = _org_form(request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.validate():
        try:
            change = reorg.schedule(form.kind.data, form.department.data, form.effective_on.data, new_name=form.new_name.data,
                                    new_parent_id=form.new_parent.data, target_id=form.target.data, note=form.note.data,
                                    actor=_actor())
        except reorg.ReorgError as exc:
            error = exc.message
        else:
            flash(f"{change.department.full_name} の{change.kind_label}を {change.effective_on.isoformat()} に予定しました。", "success")
            return redirect(url_for("identity.reorganisations"))
    status = 422 if (error or form.errors) else 200
    return render_template("identity/reorganisations.html", title="組織改正", form=form, error=error,
                           changes=reorg.listing()), status


@bp.route("/reorganisations/<int:change_id>/cancel", methods=["POST"])
@admin_required
def reorganisation_cancel(change_id):
    """Cancel a scheduled step."""
    change = reorg.get(change_id)
    try:
        reorg.cancel(change, actor=_actor())
    except reorg.ReorgError as exc:
        flash(exc.message, "error")
    else:
        flash("組織改正の予定を取り消しました。", "success")
    return redirect(url_for("identity.reorganisations"))
