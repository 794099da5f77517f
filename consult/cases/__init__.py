"""Knowledge base of 解決事例: draft from ticket, edit, publish, browse."""
from flask import Blueprint

bp = Blueprint("cases", __name__)

from . import views  # noqa: E402,F401
