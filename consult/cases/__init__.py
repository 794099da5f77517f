"""Knowledge base of 解決事例: draft from ticket, edit, publish, browse."""
from flask import Blueprint

bp = Blueprint("cases", __name__)

from . import helpers, views  # noqa: E402,F401

bp.record_once(helpers.init_app)
