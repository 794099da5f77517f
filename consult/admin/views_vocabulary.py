"""管理 › 検索語の辞書 and 見つからなかった検索語 (DX staff and admins)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from consult.auth.guards import staff_required
from consult.cases import vocabulary
from consult.errors import DomainError

from . import bp
from .forms import ActionForm


class SynonymGroupForm(FlaskForm):
    """A new synonym group: the words, and why."""

    words = TextAreaField("同じ意味で検索させる言葉", validators=[
        DataRequired(message="言葉を入力してください"), Length(max=500, message="500文字以内にしてください")])
    note = StringField("メモ（任意）", validators=[Length(max=200, message="200文字以内にしてください")])


@bp.route("/search-terms", methods=["GET", "POST"])
@staff_required
def search_terms():
    """The desk's synonym groups: list, add, switch off/on."""
    form = SynonymGroupForm()
    if request.method == "GET" and request.args.get("words"):
        form.words.data = request.args.get("words", "")[:500]
    error = None
    if form.validate_on_submit():
        try:
            group = vocabulary.add_group(form.words.data, form.note.data, current_user._get_current_object())
        except DomainError as exc:
            error = exc.message
        else:
            flash(f"検索語のグループ「{group.words}」を登録しました。次の検索から使われます。", "success")
            return redirect(url_for("admin.search_terms"))
    status = 422 if (error or form.errors) else 200
    return render_template("admin/search_terms.html", title="検索語の辞書", form=form, error=error,
                           groups=vocabulary.groups(), action_form=ActionForm()), status


@bp.route("/search-terms/<int:group_id>/active", methods=["POST"])
@staff_required
def search_term_active(group_id):
    """Switch a group off (or on again)."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash("画面の有効期限が切れました。もう一度操作してください。", "error")
        return redirect(url_for("admin.search_terms"))
    active = request.form.get("active") == "1"
    group = vocabulary.set_active(group_id, active, current_user._get_current_object())
    flash(f"「{group.words}」を{'有効' if active else '無効'}にしました。", "success")
    return redirect(url_for("admin.search_terms"))


@bp.route("/missed-searches")
@staff_required
def missed_searches():
    """Searches and intake texts that found no case, most frequent first."""
    days = request.args.get("days", 90, type=int) or 90
    days = min(max(days, 1), 3650)
    return render_template("admin/missed_searches.html", title="見つからなかった検索語", days=days,
                           rows=vocabulary.missed(days), clicks=vocabulary.click_summary(days))
