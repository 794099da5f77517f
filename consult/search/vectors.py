"""Related words from word vectors shipped in a package (chiVe, through the ja-ginza wheel).

The ``ja-ginza`` 5.3.0 wheel holds 20,000 × 300 word vectors (chiVe, Apache-2.0) with 480,443
keys mapped onto those rows: many words share a row (旅費 and 交通費, 白板 and ホワイトボード,
ファクシミリ and ファックス).  Only the vectors are used, never the rest of that pipeline (its
parser and NER were trained on corpora under other licences).

``build()`` turns the package's files into one small resource, ``related.npz``, shipped with
the code: the words (folded the way the index folds terms, kept only when Sudachi reads them
as one dictionary word) with their row, and for every row its nearest rows by cosine.  At run
time no vectors and no NumPy arithmetic are needed: ``related(term)`` returns the words of the
same row (similarity 1.0) and of the near rows, with their similarity.  Which of them the
index contains is decided by the caller (query.py), per index.
"""

from __future__ import annotations

import os
import re
import struct
from functools import lru_cache

from .state import search_state

__all__ = ["related", "available", "build", "RESOURCE"]

RESOURCE = os.path.join(os.path.dirname(__file__), "related.npz")
NEIGHBOURS = 8          # near rows kept per row
MIN_SIMILARITY = 0.55   # rows less similar than this are not kept


def _load():
    with search_state.resource_lock:
        if "words" not in search_state.resources["vectors"]:
            path = os.environ.get("CONSULT_SEARCH_VECTORS", RESOURCE)
            words: dict = {}
            rows: dict = {}
            near: dict = {}
            if path and os.path.exists(path):
                import numpy as np

                z = np.load(path)
                text = bytes(z["words"]).decode("utf-8").split("\n")
                for w, r in zip(text, z["rows"].tolist()):
                    words[w] = r
                    rows.setdefault(r, []).append(w)
                nb, sim = z["near"].tolist(), z["sim"].tolist()
                for r in rows:
                    near[r] = [(n, s / 100) for n, s in zip(nb[r], sim[r]) if n >= 0]
            search_state.resources["vectors"].update(words=words, rows=rows, near=near)
        return search_state.resources["vectors"]


def available() -> bool:
    return bool(_load()["words"])


@lru_cache(maxsize=20000)
def related(term: str, min_similarity: float = MIN_SIMILARITY) -> tuple:
    """[(word, similarity)] of words that the vectors place with ``term`` (itself excluded):
    the words of its row first (1.0), then those of near rows."""
    d = _load()
    row = d["words"].get(term)
    if row is None:
        return ()
    out = [(w, 1.0) for w in d["rows"][row] if w != term]
    for n, s in d["near"].get(row, ()):
        if s >= min_similarity:
            out.extend((w, s) for w in d["rows"].get(n, ()) if w != term)
    return tuple(out)


# --------------------------------------------------------------------------- build

_M = 0xC6A4A7935BD1E995
_MASK = (1 << 64) - 1


def _murmur64(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, the hash spaCy gives its strings (seed 1)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    nblocks = len(data) // 8
    for (k,) in struct.iter_unpack("<Q", data[:nblocks * 8]):
        k = (k * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    tail = data[nblocks * 8:]
    if tail:
        for i in range(len(tail) - 1, -1, -1):
            h ^= tail[i] << (8 * i)
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


_WORDLIKE = re.compile(r"^(?:[\u3041-\u3096\u30a1-\u30fa\u30fc\u3400-\u9fff々ヶ]{2,12}|[a-z][a-z0-9]{2,15})$")


def build(vocab_dir: str, out_path: str = RESOURCE) -> dict:
    """Write ``out_path`` from a spaCy vocab directory (``…/ja_ginza-5.3.0/vocab``)."""
    import json

    import msgpack
    import numpy as np
    from sudachipy import Dictionary, SplitMode

    from .analysis import fold

    key2row = msgpack.unpackb(open(os.path.join(vocab_dir, "key2row"), "rb").read(),
                              strict_map_key=False)
    with open(os.path.join(vocab_dir, "strings.json"), encoding="utf-8") as fh:
        strings = json.load(fh)
    vectors = np.load(os.path.join(vocab_dir, "vectors")).astype(np.float32)
    tok = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    words: dict = {}
    for s in strings:
        low = s.lower()
        if not _WORDLIKE.match(low):
            continue
        row = key2row.get(_murmur64(s.encode("utf-8")))
        if row is None:
            continue
        ms = tok.tokenize(s)
        # Only words the index can hold: Sudachi reads them as one known word.
        if len(ms) != 1 or ms[0].is_oov() or ms[0].part_of_speech()[0] not in ("名詞", "動詞", "形容詞"):
            continue
        w = fold(ms[0].normalized_form())
        if len(w) >= 2 and w not in words:
            words[w] = int(row)
    used = sorted(set(words.values()))
    norm = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
    n = len(vectors)
    near = np.full((n, NEIGHBOURS), -1, dtype=np.int32)
    sim = np.zeros((n, NEIGHBOURS), dtype=np.int8)
    sub = norm[used]
    for i in range(0, len(used), 1024):
        block = norm[used[i:i + 1024]] @ sub.T
        for j, r in enumerate(used[i:i + 1024]):
            order = np.argsort(-block[j])[:NEIGHBOURS + 1]
            k = 0
            for o in order:
                if used[o] == r or block[j, o] < MIN_SIMILARITY:
                    continue
                if k < NEIGHBOURS:
                    near[r, k] = used[o]
                    sim[r, k] = int(round(block[j, o] * 100))
                    k += 1
    names = list(words)
    np.savez_compressed(out_path, words=np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8),
                        rows=np.array([words[w] for w in names], dtype=np.int32), near=near, sim=sim)
    search_state.resources["vectors"].clear()
    related.cache_clear()
    return {"words": len(names), "rows": len(used)}


if __name__ == "__main__":  # python -m consult.search.vectors VOCAB_DIR [OUT]
    import sys

    print(build(*sys.argv[1:3]))
