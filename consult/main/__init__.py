"""Home page and small per-user preferences."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from . import views  # noqa: E402,F401
