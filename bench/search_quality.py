"""Search quality bench: Hit@5, Recall@5, MRR@10, nDCG@10 on labelled queries.

Usage: python bench/search_quality.py [DATA_DIR] [--direct]
       (DATA_DIR defaults to ../shared/data from the repo root)

The consult engine is measured through the command-line interface, as an outside tool would
use it: a fresh temporary directory gets its own SQLite database and index
(``CONSULT_DATABASE_URL``, ``CONSULT_SEARCH_INDEX``), then ``flask --app app db upgrade``,
``flask --app app cases import DATA_DIR/cases.jsonl`` and one
``flask --app app search query --batch --limit 10`` with every query text on stdin (one JSON
array of refs per output line).  ``--direct`` (or a missing ``cases import`` command) indexes
the cases in-process instead.  The baseline is a plain Whoosh index of character bigrams
(``NgramAnalyzer(2)`` over title and body, an OR of all query bigrams), computed in-process.
Gain is 2 for a relevant case and 1 for a partial one; the no-answer queries are counted
separately (how many get any hit, and how many get ``suggest()`` results).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from whoosh import index as windex  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh.analysis import NgramAnalyzer  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402

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
    """Build a temp index of our schema with ``analyzer``; return (run, suggest) functions."""
    path = os.path.join(tmpdir, name)
    ix = sindex.open_index(path, analyzer=analyzer)
    sindex.upsert_cases(ix, cases)

    def run(texts, limit=10):
        return [[h.ref for h in squery.search(ix, t, limit=limit, facets=False).hits]
                for t in texts]

    def suggest(texts, limit=5):
        return [[h.ref for h in squery.suggest(ix, t, limit=limit)] for t in texts]

    return run, suggest


def bigram_engine(cases, tmpdir):
    """The plain baseline: Whoosh character bigrams over title and body, an OR of all the
    query's bigrams (no normalisation, no synonyms, no term selection)."""
    ana = NgramAnalyzer(2)
    ix = windex.create_in(tmpdir, Schema(ref=ID(stored=True, unique=True),
                                         title=TEXT(analyzer=ana, field_boost=2.0),
                                         body=TEXT(analyzer=ana)))
    w = ix.writer()
    for c in cases:
        w.add_document(ref=c["ref"], title=c.get("title") or "", body="\n".join(
            str(c.get(k) or "") for k in ("problem", "cause", "solution", "effect", "department"))
            + "\n" + " ".join(c.get("tools") or []) + " " + " ".join(c.get("tags") or []))
    w.commit()

    def run(texts, limit=10):
        out = []
        with ix.searcher() as s:
            for t in texts:
                grams = {tok.text for tok in ana(t)}
                q = wq.Or([wq.Term(f, g) for g in sorted(grams) for f in ("title", "body")])
                out.append([h["ref"] for h in s.search(q, limit=limit)] if grams else [])
        return out

    def suggest(texts, limit=5):  # no threshold in the baseline: its top hits
        return [r[:limit] for r in run(texts, limit)]

    return run, suggest


def _flask(args, env, stdin=None):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, input=stdin, capture_output=True, text=True, check=False)


def cli_engine(data, cases, tmpdir, direct=False):
    """The consult engine through the CLI; returns (run, suggest, how) functions."""
    db_path = os.path.join(tmpdir, "consult.db")
    ix_path = os.path.join(tmpdir, "index")
    env = dict(os.environ, CONSULT_DATABASE_URL=f"sqlite:///{db_path}",
               CONSULT_SEARCH_INDEX=ix_path, CONSULT_SECRET_KEY="bench-only-not-a-secret-0123456789",
               PYTHONWARNINGS="ignore")
    r = _flask(["db", "upgrade"], env)
    if r.returncode:
        raise SystemExit(f"flask db upgrade failed: {r.stderr.strip()[-500:]}")
    how = "CLI (cases import + search query --batch)"
    if not direct:
        r = _flask(["cases", "import", os.path.join(data, "cases.jsonl")], env)
        if r.returncode:
            print(f"NOTE: `flask cases import` failed ({r.stderr.strip().splitlines()[-1:]}); "
                  "indexing the cases directly instead", file=sys.stderr)
            direct = True
    if direct:
        sindex.rebuild(ix_path, cases)
        how = "direct indexing + search query --batch"

    def run(texts, limit=10):
        clean = [" ".join(t.split()) for t in texts]  # one query per line
        r = _flask(["search", "query", "--batch", "--limit", str(limit)], env,
                   stdin="\n".join(clean) + "\n")
        if r.returncode:
            raise SystemExit(f"flask search query --batch failed: {r.stderr.strip()[-500:]}")
        lines = r.stdout.splitlines()
        if len(lines) != len(texts):
            raise SystemExit(f"expected {len(texts)} result lines, got {len(lines)}")
        return [json.loads(line) for line in lines]

    def suggest(texts, limit=5):  # suggest() has no CLI: read the index the CLI built
        ix = sindex.open_index(ix_path, create=False)
        return [[h.ref for h in squery.suggest(ix, t, limit=limit)] for t in texts]

    suggest.ix_path = ix_path
    return run, suggest, how


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
    out[f"no-answer queries with any hit (of {negs})"] = neg_any
    out["SUGGESTION: answerable queries whose suggestions include a relevant case"] = \
        pos_sugg_hit / max(n, 1)
    out[f"SUGGESTION: no-answer queries with suggestions (of {negs})"] = neg_sugg
    return out


def demo_suggestions():
    """suggest() on the demo corpus with the intake texts of tests/search/test_suggest.py:
    (texts with a relevant suggestion, texts, off-topic texts with any suggestion, texts)."""
    from tests.search.test_suggest import DEMO, OFF_TOPIC, RELEVANT
    cases = [to_case(r) for r in load_jsonl(str(DEMO))]
    with tempfile.TemporaryDirectory() as tmp:
        ix = sindex.open_index(os.path.join(tmp, "demo"))
        sindex.upsert_cases(ix, cases)
        good = sum(bool({h.ref for h in squery.suggest(ix, t)} & answers) for t, answers in RELEVANT)
        bad = sum(bool(squery.suggest(ix, t)) for t in OFF_TOPIC)
        sindex.get_searcher(ix)[0].close()
    return good, len(RELEVANT), bad, len(OFF_TOPIC)


PARAGRAPH_CHARS = 30  # a query this long is a whole text (intake form), not keywords


def evaluate(queries, run, suggest):
    """(ranked refs, suggested refs, ms per query) for every query."""
    texts = [q["text"] for q in queries]
    t = time.perf_counter()
    ranked = run(texts)
    ms = (time.perf_counter() - t) * 1000 / max(len(texts), 1)
    return ranked, suggest(texts), ms


def groups(queries):
    """name -> indexes of the queries in that group (all, the two halves, per kind).

    The halves are the queries at even and odd positions of the file: the soft-matching
    settings (consult/search/semantic.py, scoring.SOFT_*) were chosen on half A only, so half B
    shows whether they generalise."""
    out = {"all": list(range(len(queries))),
           "half A (tuning)": list(range(0, len(queries), 2)),
           "half B (held out)": list(range(1, len(queries), 2))}
    for i, q in enumerate(queries):
        if q.get("kind"):
            out.setdefault(f"kind={q['kind']}", []).append(i)
    return out


def latency(ix_path, texts):
    """(p50, p95) in ms of one in-process search() per text on the CLI's index, warm (the
    searcher and the vectors loaded first), for keyword texts and paragraphs separately."""
    ix = sindex.open_index(ix_path, create=False)
    squery.search(ix, "Excel 集計", facets=False)
    out = {}
    for name, sub in (("keywords (< 30 chars)", [t for t in texts if len(t) < PARAGRAPH_CHARS]),
                      ("paragraphs (>= 30 chars)", [t for t in texts if len(t) >= PARAGRAPH_CHARS])):
        times = []
        for t in sub:
            start = time.perf_counter()
            squery.search(ix, t, facets=False)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        if times:
            out[name] = (times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))])
    return out


def report(title, queries, per_engine):
    """Print the metrics of every engine, per group of queries, then the suggestions on
    paragraph queries (length >= PARAGRAPH_CHARS)."""
    names = list(per_engine)
    print(f"\n== {title}: {len(queries)} queries")
    for gname, idx in groups(queries).items():
        sub = [queries[i] for i in idx]
        res = {n: metrics(sub, [per_engine[n][0][i] for i in idx], [per_engine[n][1][i] for i in idx])
               for n in names}
        print(f"-- {gname} ({len(idx)})")
        print(f"{'metric':44s}" + "".join(f"{n:>20s}" for n in names))
        for key in res[names[0]]:
            if key.startswith("SUGGESTION") or (key.startswith("no-answer") and "(of 0)" in key):
                continue
            print(f"{key:44s}" + "".join(f"{res[n][key]:20.3f}" for n in names))
    print(f"{'ms/query':44s}" + "".join(f"{per_engine[n][2]:20.1f}" for n in names))
    para = [i for i, q in enumerate(queries) if len(q["text"]) >= PARAGRAPH_CHARS]
    ans = [i for i in para if queries[i]["relevant"]]
    neg = [i for i, q in enumerate(queries) if not q["relevant"] and not q["partial"]]
    print("suggestions (suggest(): only cases close enough; the baseline has no threshold)")
    print(f"  {'paragraph queries (>= 30 chars) with a relevant case suggested':64s}"
          + "".join(f"{n:>20s}" for n in names))
    for label, idx, fn in (
            (f"answerable paragraphs, relevant suggested (of {len(ans)})", ans,
             lambda n, i: any(r in set(queries[i]["relevant"]) for r in per_engine[n][1][i])),
            (f"answerable paragraphs, any suggestion (of {len(ans)})", ans,
             lambda n, i: bool(per_engine[n][1][i])),
            (f"no-answer queries with suggestions (of {len(neg)})", neg,
             lambda n, i: bool(per_engine[n][1][i]))):
        if not idx:
            continue
        vals = []
        for n in names:
            k = sum(fn(n, i) for i in idx)
            vals.append(f"{k:>9d} = {k / len(idx):.3f}" if "no-answer" not in label else f"{k:>20d}")
        print(f"  {label:64s}" + "".join(f"{v:>20s}" for v in vals))
    if os.environ.get("BENCH_VERBOSE"):
        ranked, sugg, _ = per_engine["consult"]
        for q, r, sg in zip(queries, ranked, sugg):
            rel = set(q["relevant"])
            if rel and not any(x in rel for x in r[:1]):
                print("MISS", q["qid"], q.get("kind", ""), q["text"][:50], sorted(rel), r[:5])
            if rel and len(q["text"]) >= PARAGRAPH_CHARS and not rel & set(sg):
                print("SUGG-MISS", q["qid"], q["text"][:50], sorted(rel), sg)
            if not rel and not q["partial"] and sg:
                print("SUGG-NEG", q["qid"], q["text"][:50], sg)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    direct = "--direct" in argv
    data = os.path.abspath(args[0] if args else os.path.join(ROOT, "..", "shared", "data"))
    cases = [to_case(r) for r in load_jsonl(os.path.join(data, "cases.jsonl"))]
    sets = {"main set (queries.jsonl)": load_jsonl(os.path.join(data, "queries.jsonl"))}
    hard = os.path.join(data, "queries_hard.jsonl")
    if os.path.exists(hard):
        sets["hard set (queries_hard.jsonl)"] = load_jsonl(hard)
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "bigram"))
        engines = {"bigram baseline": bigram_engine(cases, os.path.join(tmp, "bigram"))}
        os.makedirs(os.path.join(tmp, "cli"))
        run, sugg, how = cli_engine(data, cases, os.path.join(tmp, "cli"), direct)
        engines["consult"] = (run, sugg)
        if "all" in os.environ.get("BENCH_VARIANTS", ""):
            for name, ana in {"bigram+norm+syn": JapaneseAnalyzer(method="bigram"),
                              "sudachi no-syn": JapaneseAnalyzer(synonyms=False)}.items():
                engines[name] = index_engine(cases, ana, tmp, name.replace(" ", "_"))
        print(f"data: {data} ({len(cases)} cases); consult via {how}")
        for title, queries in sets.items():
            report(title, queries, {n: evaluate(queries, r, s) for n, (r, s) in engines.items()})
            for name, (p50, p95) in latency(sugg.ix_path, [q["text"] for q in queries]).items():
                print(f"consult search() latency, {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    good, n_rel, bad, n_off = demo_suggestions()
    print(f"\ndemo corpus, intake texts with a relevant suggestion: {good}/{n_rel}; "
          f"off-topic texts with any suggestion: {bad}/{n_off}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
