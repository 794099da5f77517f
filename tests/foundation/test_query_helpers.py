"""The shared query helpers: page numbers from URLs, one page of a select, LIKE patterns taken literally."""
import pytest
from sqlalchemy import select

from consult.paging import Page, page_number, paginate
from models import User, db
from models.querying import any_contains, contains_pattern, person_matches
from tests import factories


@pytest.mark.parametrize(("raw", "last", "expected"), [
    (None, 10, 1), ("", 10, 1), ("abc", 10, 1), ("-3", 10, 1), ("0", 10, 1), (" 4 ", 10, 4), ("11", 10, 10),
    ("9" * 40, 10, 10), ("2.5", 10, 1), (7, 10, 7), ("3", 0, 1),
])
def test_page_number_is_always_within_the_pages(raw, last, expected):
    """Whatever a URL says, the page is a number from 1 to the last page."""
    assert page_number(raw, last) == expected


def test_page_counts_at_least_one_page():
    """An empty result is one empty page, not zero pages."""
    assert Page(items=[], page=1, per_page=20, total=0).pages == 1
    assert Page(items=[], page=1, per_page=20, total=41).pages == 3


def test_paginate_clamps_to_the_last_page(app):
    """Asking past the end gives the last page with its rows."""
    for n in range(5):
        factories.make_user(f"p{n}", role="dx_staff")
    page = paginate(select(User).order_by(User.login), "99", per_page=2)
    assert (page.page, page.pages, page.total) == (3, 3, 5)
    assert [u.login for u in page.items] == ["p4"]


def test_contains_pattern_escapes_like_wildcards():
    """%, _ and the escape character are matched literally."""
    assert contains_pattern("100%_\\") == "%100\\%\\_\\\\%"


def test_like_wildcards_in_a_search_match_only_themselves(app):
    """A search for % or _ finds the rows containing that character, not every row."""
    factories.make_user("plain", role="dx_staff", name="普通 太郎")
    factories.make_user("under_score", role="dx_staff", name="下線 花子")
    found = lambda text: sorted(db.session.scalars(select(User.login).where(any_contains((User.login, User.name), text))))  # noqa: E731
    assert found("_") == ["under_score"]
    assert found("%") == []
    assert found("UNDER") == ["under_score"]


def test_person_matches_name_without_spaces_or_exact_login(app):
    """「山田太郎」 finds 「山田 太郎」 and 「山田　太郎」; a login only when it is the whole text."""
    factories.make_user("yamada", role="dx_staff", name="山田 太郎")
    factories.make_user("yamada2", role="dx_staff", name="山田\u3000太郎")
    factories.make_user("yamashita", role="dx_staff", name="山下 一郎")
    found = lambda text: sorted(db.session.scalars(select(User.login).where(person_matches(User.name, User.login, text))))  # noqa: E731
    assert found("山田太郎") == ["yamada", "yamada2"]
    assert found("田 太") == ["yamada", "yamada2"]
    assert found("YAMADA") == ["yamada"]
    assert found("yama") == []
