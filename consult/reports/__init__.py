"""Dashboard and exports."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import views, views_jobs  # noqa: E402,F401
