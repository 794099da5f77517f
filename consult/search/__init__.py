"""Case search: Japanese analysis, the Whoosh index, and querying."""

from .analysis import JapaneseAnalyzer, normalize
from .index import IndexBusyError, delete_cases, open_index, rebuild, upsert_cases
from .query import Hit, SearchResult, search, similar, suggest

__all__ = ["JapaneseAnalyzer", "normalize", "IndexBusyError", "open_index", "upsert_cases",
           "delete_cases", "rebuild", "search", "suggest", "similar", "Hit", "SearchResult", "warm_up"]


def warm_up() -> None:
    """Load what the first search of a process would load (Sudachi, the related-word table, the
    index and a searcher), so that a new worker's first search is not seconds slower than the rest.
    Called in an app context when a gunicorn worker starts (gunicorn.conf.py); never raises."""
    import logging

    from models import db

    from . import analysis, index, sync, vectors

    try:
        analysis._sudachi()
        vectors.available()
        index.get_searcher(sync.get_index())
    except Exception:  # the first request will try again (and report what is wrong)
        logging.getLogger(__name__).exception("search warm-up failed")
    finally:
        db.session.remove()

