"""Login, logout, password change and the role guard."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import second_factor, views  # noqa: E402,F401
