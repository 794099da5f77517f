"""Read side of the knowledge base: 事例をさがす, suggestions, similar cases, the staff list, usage logs."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.cases import vocabulary as search_vocabulary
from consult.paging import Page, paginate
from consult.search import query, sync
from models import Case, Category, Department, SearchLog, SuggestionClick, db
from models.querying import any_contains

PER_PAGE = 10
SORTS = {"relevance": "関連度順", "newest": "新しい順", "helpful": "役に立った順", "hours": "削減時間順"}
# (URL parameter, index facet field, label)
FACETS = (("category", "category", "分類"), ("resolution_type", "resolution_type", "解決方法の種類"),
          ("dept", "department", "部局"), ("tools", "tools", "ツール"), ("tags", "tags", "タグ"))
# URL parameter → index facet field.
FILTER_PARAMS = {"category": "category", "resolution_type": "resolution_type", "dept": "department",
                 "tools": "tools", "tags": "tags"}
SUGGEST_MIN_CHARS = 4
#: The last page number a search URL may ask for.
MAX_PAGE = 1000


@dataclass
class SearchPage(Page):
    """A page of search hits, with the facet counts of the whole result."""

    facets: dict = field(default_factory=dict)

    @property
    def hits(self) -> list:
        """The hits of this page."""
        return self.items


def _log(user, source: str, text: str, count: int) -> None:
    """Store one SearchLog row (its own small transaction)."""
    db.session.add(SearchLog(user_id=getattr(user, "id", None), source=source, query=text[:500], result_count=count))
    db.session.commit()


def search(text: str, filters: dict, sort: str, page: int, user=None) -> Page:
    """Search published cases with facets; logs the search when there is a query text."""
    sync.repair_if_due()
    search_vocabulary.refresh()
    sort = sort if sort in SORTS else "relevance"
    flt = {FILTER_PARAMS[k]: v for k, v in filters.items() if k in FILTER_PARAMS and v}
    result = sync.guarded(lambda ix: query.search(ix, text, limit=PER_PAGE, filters=flt, sort=sort, page=page))
    if (text or "").strip():
        _log(user, "browse", text.strip(), result.total)
    return SearchPage(items=result.hits, page=page, per_page=PER_PAGE, total=result.total, facets=result.facets)


def suggest(text: str, user=None, limit: int = 5, log: bool = True, staff: bool = False) -> list:
    """Cases close enough to a ticket text (empty when nothing is); logs the lookup.  ``staff``:
    the staff ticket panel, which may show weaker candidates (query.STAFF_MIN_COVERAGE)."""
    text = (text or "").strip()
    if len(text) < SUGGEST_MIN_CHARS:
        return []
    search_vocabulary.refresh()
    min_coverage = query.STAFF_MIN_COVERAGE if staff else query.MIN_COVERAGE
    hits = sync.guarded(lambda ix: query.suggest(ix, text, limit=limit, min_coverage=min_coverage))
    if log:
        _log(user, "suggest", text, len(hits))
    return hits


def similar(case: Case, limit: int = 5) -> list:
    """Published cases like this one (empty when the case is not in the index)."""
    if case.status != "published":
        return []
    return sync.guarded(lambda ix: query.similar(ix, case.ref, limit=limit))


def record_click(user, case: Case, token: str | None) -> None:
    """Remember that a suggested case was opened from the intake form."""
    db.session.add(SuggestionClick(user_id=getattr(user, "id", None), case_id=case.id, intake_token=(token or None) and token[:64]))
    db.session.commit()


def manage_list(status: str | None, text: str | None, category_id: int | None, page: int):
    """Cases for the staff list (drafts first by update time), filtered, paginated."""
    stmt = select(Case).order_by(Case.updated_at.desc(), Case.id.desc())
    if status:
        stmt = stmt.where(Case.status == status)
    if category_id:
        stmt = stmt.where(Case.category_id == category_id)
    if text and text.strip():
        stmt = stmt.where(any_contains((Case.title, Case.ref, Case.department_label), text.strip()))
    return paginate(stmt, page, per_page=20)


def status_counts() -> dict:
    """Number of cases per status."""
    return dict(db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all())


def vocabulary() -> dict:
    """Tools and tags already used by cases (for autocomplete), most frequent first."""
    counts: dict = {"tools": {}, "tags": {}}
    for tools, tags in db.session.execute(select(Case.tools, Case.tags)):
        for key, values in (("tools", tools), ("tags", tags)):
            for v in values or []:
                counts[key][v] = counts[key].get(v, 0) + 1
    return {k: sorted(v, key=lambda x: (-v[x], x))[:300] for k, v in counts.items()}


def departments() -> list[Department]:
    """Active departments in display order (for the real-所属 choice of a case)."""
    return list(db.session.scalars(select(Department).where(Department.active.is_(True))
                                   .order_by(Department.sort_order, Department.code)))


def categories() -> list[Category]:
    """Active categories in display order."""
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.name)))
