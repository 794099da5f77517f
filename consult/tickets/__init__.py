"""Requester side: intake form, my/department tickets, ticket page, replies."""
from flask import Blueprint

bp = Blueprint("tickets", __name__)



from . import inline, views, views_satisfaction, views_similar  # noqa: E402,F401
