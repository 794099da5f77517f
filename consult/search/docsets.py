"""Sets of documents of one searcher as bitmaps (Python ints), cached with the searcher.

Whoosh's own ways to get "every document a query matches" run a matcher document by document
(``docs_for_query``, a sorted search collects every match and reads its sort key per
document).  At 20,000 cases that is 50-100 ms for a common word or the browse page without a
query.  Here a term's postings are read block by block, kept as a bitmap, and unions,
filters, totals and facet counts are ``|``, ``&`` and ``int.bit_count()`` on those bitmaps.
The sort orders (newest, helpful, hours) are computed once per searcher from the column
values, with Whoosh's own sort keys, so the pages come out in exactly the same order.

One :class:`DocSets` lives in the cache that ``index.get_searcher()`` keeps next to each
searcher: a new commit opens a new searcher with an empty cache, so nothing here is ever
stale.
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections import Counter, OrderedDict
from itertools import accumulate
from pickle import loads

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

__all__ = ["DocSets", "docsets", "bits_to_ids", "ids_to_bits"]

TERM_CACHE_BYTES = 16 << 20   # term bitmaps kept per searcher (about 6,000 terms at 20k cases)
SPARSE_SHARE = 32             # a facet value in fewer than 1/32 of the cases is kept as docnums

_BYTE_BITS = tuple(tuple(j for j in range(8) if b >> j & 1) for b in range(256))
_NONZERO = re.compile(rb"[^\x00]+")


def ids_to_bits(ids, size: int) -> int:
    """The bitmap of ``ids`` (docnums below ``size``)."""
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def bits_to_ids(bits: int) -> list:
    """The docnums of a bitmap, ascending."""
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    out: list = []
    for run in _NONZERO.finditer(data):
        for i, byte in enumerate(run.group(), run.start()):
            base = i << 3
            out.extend(base + j for j in _BYTE_BITS[byte])
    return out


def _leaf_ids(matcher) -> list:
    """Segment docnums of a posting list, read block by block (about 5x faster than
    ``all_ids()``, which steps through every posting)."""
    deleted = None
    if isinstance(matcher, FilterMatcher) and matcher._exclude:  # the segment's deletions
        deleted, matcher = matcher._ids, matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        ids = list(matcher.all_ids())  # a few postings inlined in the term info
    else:
        ids = []
        get = matcher._postfile.get
        while matcher.is_active():
            data = get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
            if matcher._compression:
                data = zlib.decompress(data)
            # The block's ids, delta-coded: the index's own posting block, which Whoosh
            # unpickles the same way (W3LeafMatcher._read_data).
            raw = loads(data)[0]  # noqa: S301  # nosec B301
            ids.extend(raw if matcher._byteids else accumulate(raw))
            matcher._next_block()
    if deleted:
        ids = [d for d in ids if d not in deleted]
    return ids


def _column_keys(leaf, field: str) -> list:
    """Whoosh's sort key of every document of a segment for ``field``, descending order
    (what ``FieldFacet(field, reverse=True)`` compares: ``0 - value``)."""
    n = leaf.doc_count_all()
    cr = leaf.column_reader(field, reverse=True, translate=False)
    if isinstance(cr, NumericColumn.Reader):  # fixed-size values: unpack them all at once
        count = min(cr._count, n)
        raw = cr._dbfile.get(cr._basepos, count * cr._fixedlen)
        values = [v for (v,) in struct.iter_unpack("!" + cr._typecode, raw)]
        values += [cr._default] * (n - count)
        return [0 - v for v in values] if cr._reverse else values
    return [cr.sort_key(d) for d in range(n)]  # another column type


class DocSets:
    """Bitmaps of one searcher: live documents, terms, facet values; sort orders."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self._lock = threading.Lock()
        self._terms: OrderedDict = OrderedDict()
        self._term_bytes = 0
        self._live = None
        self._facets: dict = {}
        self._orders: dict = {}

    # ----------------------------------------------------------------- documents

    def live(self) -> int:
        """Every document that is not deleted."""
        if self._live is None:
            if not self.reader.has_deletions():
                self._live = (1 << self.size) - 1
            else:
                self._live = ids_to_bits(self.reader.all_doc_ids(), self.size)
        return self._live

    def term(self, field: str, text: str) -> int:
        """The documents whose ``field`` contains ``text`` (0 when none or no such field)."""
        key = (field, text)
        with self._lock:
            bits = self._terms.get(key)
            if bits is not None:
                self._terms.move_to_end(key)
                return bits
        bits = ids_to_bits(self._postings(field, text), self.size)
        with self._lock:
            if key not in self._terms:
                self._terms[key] = bits
                self._term_bytes += bits.__sizeof__()
                while self._term_bytes > TERM_CACHE_BYTES and len(self._terms) > 1:
                    _, old = self._terms.popitem(last=False)
                    self._term_bytes -= old.__sizeof__()
        return bits

    def which(self, field: str, text: str, docnums) -> set:
        """Which of ``docnums`` (a few, sorted) contain ``text`` in ``field``.  From the term's
        bitmap when it is cached or cheap to build; for a common term seen for the first time,
        by skipping through its postings (reading 20,000 postings to test five documents
        would cost more than it saves)."""
        if not docnums:
            return set()
        with self._lock:
            bits = self._terms.get((field, text))
        if bits is None and self.searcher.doc_frequency(field, text) * 16 <= self.size:
            bits = self.term(field, text)
        if bits is not None:
            return {d for d in docnums if bits >> d & 1}
        found = set()
        try:
            m = self.searcher.postings(field, text)
        except TermNotFound:
            return found
        for d in docnums:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                found.add(d)
        return found

    def _postings(self, field: str, text: str) -> list:
        if field not in self.searcher.schema:
            return []
        out: list = []
        for leaf, offset in self.reader.leaf_readers():
            if (field, text) not in leaf:
                continue
            ids = _leaf_ids(leaf.postings(field, text))
            out.extend([d + offset for d in ids] if offset else ids)
        return out

    def any_of(self, fields, texts) -> int:
        """The documents that contain any of ``texts`` in any of ``fields``."""
        bits = 0
        for field in fields:
            for text in texts:
                bits |= self.term(field, text)
        return bits

    # ----------------------------------------------------------------- facets

    def facet(self, field: str) -> dict:
        """value -> documents with it: a bitmap, or a tuple of docnums for a rare value."""
        table = self._facets.get(field)
        if table is None:
            table = {}
            if field in self.searcher.schema:
                for value in self.reader.lexicon(field):
                    label = value.decode("utf-8") if isinstance(value, bytes) else value
                    ids = self._postings(field, label)
                    if not ids:
                        continue
                    sparse = len(ids) * SPARSE_SHARE < self.size
                    table[label] = tuple(ids) if sparse else ids_to_bits(ids, self.size)
            self._facets[field] = table
        return table

    def value(self, field: str, value) -> int:
        """The documents whose facet ``field`` has ``value``."""
        docs = self.facet(field).get(str(value), 0)
        return ids_to_bits(docs, self.size) if isinstance(docs, tuple) else docs

    def filtered(self, filters) -> int | None:
        """The documents allowed by ``filters`` {field: value or values} (None: no filter).
        Values of one field are ORed, fields are ANDed."""
        allowed = None
        for name, value in (filters or {}).items():
            if value in (None, "", [], ()):
                continue
            values = value if isinstance(value, (list, tuple, set)) else [value]
            bits = 0
            for v in values:
                bits |= self.value(name, v)
            allowed = bits if allowed is None else allowed & bits
        return allowed

    def count(self, bits: int, fields) -> dict:
        """{field: [(value, documents of ``bits`` with it)]}, most frequent first."""
        data = None
        out = {}
        for name in fields:
            counts = Counter()
            for value, docs in self.facet(name).items():
                if isinstance(docs, tuple):
                    if data is None:
                        data = bits.to_bytes((self.size >> 3) + 1, "little")
                    n = sum(data[d >> 3] >> (d & 7) & 1 for d in docs)
                else:
                    n = (bits & docs).bit_count()
                if n:
                    counts[value] = n
            out[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return out

    # ----------------------------------------------------------------- sorting

    def _order(self, field: str):
        """(live docnums in descending ``field`` order, ties by docnum; sort key per docnum)."""
        entry = self._orders.get(field)
        if entry is None:
            keys: list = []
            for leaf, _ in self.reader.leaf_readers():  # offsets are cumulative, in order
                keys.extend(_column_keys(leaf, field))
            live = self.live()
            ids = range(self.size) if live == (1 << self.size) - 1 else bits_to_ids(live)
            order = sorted(ids, key=keys.__getitem__)  # stable: ties stay in docnum order
            entry = self._orders[field] = (order, keys)
        return entry

    def top(self, bits: int, field: str, start: int, stop: int) -> list:
        """[(docnum, sort key)] of the documents of ``bits`` ranked ``start`` to ``stop`` by
        ``field`` descending, as ``searcher.search(sortedby=FieldFacet(field,
        reverse=True))`` orders them (ties by docnum)."""
        if not bits or stop <= start:
            return []
        order, keys = self._order(field)
        count = bits.bit_count()
        if count * 8 < self.size:  # few: sort them
            ranked = sorted(bits_to_ids(bits), key=keys.__getitem__)[:stop]
        else:  # many: walk the cached order until the page is full
            data = bits.to_bytes((self.size >> 3) + 1, "little")
            ranked = []
            for d in order:
                if data[d >> 3] >> (d & 7) & 1:
                    ranked.append(d)
                    if len(ranked) >= stop:
                        break
        return [(d, keys[d]) for d in ranked[start:stop]]


def docsets(searcher, cache: dict) -> DocSets:
    """The :class:`DocSets` of ``searcher``, kept in its cache from ``get_searcher()``."""
    sets = cache.get("docsets")
    if sets is None or sets.searcher is not searcher:
        sets = cache["docsets"] = DocSets(searcher)
    return sets
