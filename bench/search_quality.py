"""Search quality bench: Hit@5, Recall@5, MRR@10, nDCG@10 on labelled queries.

Usage: python bench/search_quality.py [DATA_DIR]   (default: ../shared/data from the repo root)

Each engine is a function ``run(queries: list[str]) -> list[list[str]]`` (refs, best first),
so the engine behind it (a temp index here, the CLI's ``search query --batch`` later) can be
swapped without touching the metrics.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from whoosh.analysis import NgramAnalyzer  # noqa: E402

from consult.search import index as sindex  # noqa: E402
from consult.search import query as squery  # noqa: E402
from consult.search.analysis import JapaneseAnalyzer  # noqa: E402


def load_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def to_case(row: dict) -> dict:
    """Map a line of cases.jsonl to a case dict of the index module."""
    case = dict(row)
    case["ref"] = row["id"]
    return case


def index_engine(cases, analyzer, tmpdir, name):
    """Build a temp index with ``analyzer``; return (run, suggest) functions."""
    path = os.path.join(tmpdir, name)
    ix = sindex.open_index(path, analyzer=analyzer)
    sindex.upsert_cases(ix, cases)

    def run(texts, limit=10):
        return [[h.ref for h in squery.search(ix, t, limit=limit, facets=False).hits]
                for t in texts]

    def suggest(texts, limit=5):
        return [[h.ref for h in squery.suggest(ix, t, limit=limit)] for t in texts]

    return run, suggest


def metrics(queries, ranked, suggested):
    """Aggregate figures for labelled queries (and the no-answer ones separately)."""
    sums = {"Hit@5": 0.0, "Recall@5": 0.0, "MRR@10": 0.0, "nDCG@10": 0.0}
    n = 0
    neg_any = neg_sugg = pos_sugg_hit = 0
    negs = 0
    for q, refs, sugg in zip(queries, ranked, suggested):
        rel, par = set(q["relevant"]), set(q["partial"])
        if not rel and not par:
            negs += 1
            neg_any += bool(refs)
            neg_sugg += bool(sugg)
            continue
        n += 1
        top5 = refs[:5]
        sums["Hit@5"] += any(r in rel for r in top5)
        sums["Recall@5"] += len(rel & set(top5)) / len(rel)
        for i, r in enumerate(refs[:10]):
            if r in rel:
                sums["MRR@10"] += 1 / (i + 1)
                break
        gains = [2 if r in rel else 1 if r in par else 0 for r in refs[:10]]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted([2] * len(rel) + [1] * len(par), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        sums["nDCG@10"] += dcg / idcg
        pos_sugg_hit += any(r in rel for r in sugg)
    out = {k: v / max(n, 1) for k, v in sums.items()}
    out["suggest has relevant"] = pos_sugg_hit / max(n, 1)
    out[f"no-answer queries with suggestions (of {negs})"] = neg_sugg
    out[f"no-answer queries with any hit (of {negs})"] = neg_any
    return out


def evaluate(queries, run, suggest):
    texts = [q["text"] for q in queries]
    t = time.perf_counter()
    ranked = run(texts)
    ms = (time.perf_counter() - t) * 1000 / max(len(texts), 1)
    out = metrics(queries, ranked, suggest(texts))
    out["ms/query"] = ms
    return out, ranked


def main(argv):
    data = argv[1] if len(argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
    cases = [to_case(r) for r in load_jsonl(os.path.join(data, "cases.jsonl"))]
    queries = load_jsonl(os.path.join(data, "queries.jsonl"))
    engines = {
        "bigram baseline": NgramAnalyzer(2),
        "consult": JapaneseAnalyzer(),
    }
    extra = os.environ.get("BENCH_VARIANTS", "")
    if "all" in extra:
        engines["bigram+norm+syn"] = JapaneseAnalyzer(method="bigram")
        engines["sudachi no-syn"] = JapaneseAnalyzer(synonyms=False)
        engines["sudachi no-readings"] = JapaneseAnalyzer(readings=False)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, ana in engines.items():
            run, sugg = index_engine(cases, ana, tmp, name.replace(" ", "_"))
            results[name], ranked = evaluate(queries, run, sugg)
            if os.environ.get("BENCH_VERBOSE") and name == "consult":
                for q, r in zip(queries, ranked):
                    rel = set(q["relevant"])
                    if rel and not any(x in rel for x in r[:1]):
                        print("MISS", q["qid"], q["text"][:40], rel, r[:5])
    names = list(results)
    print(f"{'metric':44s}" + "".join(f"{n:>20s}" for n in names))
    for key in results[names[0]]:
        print(f"{key:44s}" + "".join(f"{results[n][key]:20.3f}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
