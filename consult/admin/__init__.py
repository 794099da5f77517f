"""Administration: users, departments, categories, the search vocabulary."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views, views_reassign, views_vocabulary  # noqa: E402,F401  (views_vocabulary: 検索語の辞書, 見つからなかった検索語)
