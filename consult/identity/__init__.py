"""管理 pages of identity: directory sync, second-factor reset, bulk user import, 組織改正."""
from flask import Blueprint

bp = Blueprint("identity", __name__)

from . import views  # noqa: E402,F401
