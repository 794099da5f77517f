"""Content negotiation: whether a request wants JSON rather than an HTML page."""
from flask import request


def wants_json() -> bool:
    """Whether the client asked for JSON: JSON ranks above HTML in Accept, the request body is JSON, or the URL says
    ``?format=json``. A browser's ``*/*`` or ``text/html`` gets the page."""
    if request.is_json or request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
