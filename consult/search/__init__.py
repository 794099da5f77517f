"""Case search: Japanese analysis, the Whoosh index, and querying."""

from .analysis import JapaneseAnalyzer, normalize
from .index import IndexBusyError, delete_cases, open_index, rebuild, upsert_cases
from .query import Hit, SearchResult, search, similar, suggest

__all__ = ["JapaneseAnalyzer", "normalize", "IndexBusyError", "open_index", "upsert_cases",
           "delete_cases", "rebuild", "search", "suggest", "similar", "Hit", "SearchResult"]
