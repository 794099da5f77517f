"""Administration: users, departments, categories."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views, views_reassign  # noqa: E402,F401
