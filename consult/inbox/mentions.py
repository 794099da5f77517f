"""@mentions in internal notes: who a note names (for お知らせ) and the same names as links when it is shown.

A mention is ``@`` (not inside a word such as an e-mail address) followed by the login of an active DX staff member
or admin, or by their name written without spaces (@高橋三郎). A name may be followed directly by more text
(「@高橋三郎さん、」): the longest staff name the word starts with wins. Unknown words stay plain text."""
import re

from flask import has_request_context, request, url_for
from sqlalchemy import select

from consult.markup import MENTION_RE as MENTION
from models import User, db

_LOGIN = re.compile(r"[A-Za-z0-9_.\-]+")


def _flat(name: str) -> str:
    """A name without ASCII or ideographic spaces (高橋 三郎 → 高橋三郎)."""
    return name.replace(" ", "").replace("\u3000", "")


class Directory:
    """Active DX staff and admins by login and by name without spaces."""

    def __init__(self, people):
        self.by_login = {u.login: u for u in people}
        self.by_name = {}
        for u in people:
            if len(_flat(u.name)) >= 2:
                self.by_name.setdefault(_flat(u.name), u)
        self._names = sorted(self.by_name, key=len, reverse=True)

    def resolve(self, word: str) -> tuple[User, int] | None:
        """The person `word` names and how many of its characters the mention uses; None for nobody."""
        if _LOGIN.fullmatch(word):
            for candidate in (word, word.rstrip(".-")):  # 「@dx2.」 at the end of a sentence
                if candidate in self.by_login:
                    return self.by_login[candidate], len(candidate)
        for name in self._names:
            if word.startswith(name):
                return self.by_name[name], len(name)
        return None


def _load() -> Directory:
    """Every active DX staff member and admin (one query)."""
    return Directory(list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(("dx_staff", "admin"))))))


def directory() -> Directory:
    """The mention directory, loaded once per request (one query, whatever the number of notes on the page)."""
    if not has_request_context():
        return _load()
    req = request._get_current_object()
    cached = getattr(req, "_consult_mentions", None)
    if cached is None:
        cached = req._consult_mentions = _load()
    return cached


def mentioned_users(body: str, people: Directory | None = None) -> list[User]:
    """Active DX staff/admins named after @ in a note, each once, in order of first mention."""
    people = people or _load()
    found: dict[int, User] = {}
    for m in MENTION.finditer(body or ""):
        hit = people.resolve(m.group(1))
        if hit is not None:
            found.setdefault(hit[0].id, hit[0])
    return list(found.values())


def link_target(user: User) -> tuple[str, str]:
    """(URL, title) a mention of `user` links to: their row in 担当状況, which every DX staff member can open."""
    return url_for("desk.workload", _anchor=f"staff-{user.id}"), f"{user.name}（担当状況）"


def resolver(people: Directory | None = None):
    """A function for markup.render_markdown(mentions=…): word → (matched length, URL, title) or None."""
    people = people or directory()

    def resolve(word: str):
        hit = people.resolve(word)
        if hit is None:
            return None
        url, title = link_target(hit[0])
        return hit[1], url, title

    return resolve
