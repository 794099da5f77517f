"""DX-staff side: triage queue, assignment, workload board, status changes."""
from flask import Blueprint

bp = Blueprint("desk", __name__)

from . import views  # noqa: E402,F401
