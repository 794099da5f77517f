"""「同じ所属で対応中の似た相談」 while filing: an HTML fragment for suggest.js, and the same panel without JavaScript."""
from flask import render_template, request
from flask_login import current_user

from consult.auth.guards import roles_required

from . import bp
from .access import FILER_ROLES
from .similar import similar_open

TEXT_FIELDS = ("title", "purpose", "current_process", "problem")


def typed_text(form) -> str:
    """The intake fields suggestions are made from (the same four as the case suggestions)."""
    return "\n".join(v.strip() for v in (form.get(k, "") for k in TEXT_FIELDS) if v and v.strip())[:4000]


@bp.route("/similar")
@roles_required(*FILER_ROLES)
def similar():
    """Open consultations of the filer's own 所属 like the text being typed (an HTML fragment, empty when none)."""
    text = (request.args.get("q") or "")[:2000]
    return render_template("tickets/_similar_open.html", similar=similar_open(text, current_user))
