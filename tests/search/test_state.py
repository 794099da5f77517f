"""What a process holds for search is one object, the Flask extension ``search_state``."""
import os

from consult.search import query, sync
from consult.search.state import search_state
from models import db
from tests.factories import make_case


def test_the_app_registers_the_one_search_state(app):
    assert app.extensions["consult_search"] is search_state


def test_a_search_keeps_its_searcher_and_index_there_and_forget_closes_them(app, tmp_path):
    make_case(title="押印の廃止", problem="押印のための出勤が多い")
    db.session.commit()
    sync.drain()
    query.set_vocabulary([["押印", "はんこ"]], "v-test")
    try:
        assert [h.ref for h in query.search(sync.get_index(), "はんこ", facets=False).hits]
        assert search_state.vocabulary["version"] == "v-test"
    finally:
        query.set_vocabulary([], None)
    path = os.path.abspath(app.config["CONSULT_SEARCH_INDEX"])
    assert path in search_state.searchers and path in search_state.indexes
    searcher = search_state.searchers[path]["searcher"]
    search_state.forget(str(tmp_path))
    assert path not in search_state.searchers and path not in search_state.indexes
    assert searcher.is_closed
    # the next search opens them again
    assert [h.ref for h in query.search(sync.get_index(), "押印", facets=False).hits]
    assert path in search_state.searchers
