"""Import speed: `flask --app app cases import` of N synthetic cases, through the command line.

Usage: python bench/import_speed.py [--cases 20000] [--database-url URL] [--profile]

A fresh temporary directory gets its own SQLite database (or the given database, whose tables are dropped first)
and search index; `flask db upgrade`, then the synthetic cases of bench/search_speed.py (written as a JSON Lines
file) are imported with `flask --app app cases import FILE`. Prints the wall time, the CPU time of the import
process and its children (the index is built by several processes), the rate in cases per second as the command
printed it, and the index's document count. ``--profile`` runs the import in-process under cProfile instead and
prints the 25 most expensive functions (cumulative).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.search_speed import make_case  # noqa: E402


def write_cases(path: str, n: int, seed: int = 7) -> None:
    """N synthetic cases in the import format (``id`` instead of ``ref``)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            case = make_case(rng, i)
            case["id"] = case.pop("ref")
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--database-url", help="default: a new SQLite file")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="import-speed-")
    try:
        env = {**os.environ, "CONSULT_SECRET_KEY": "bench-import-speed-0123456789",
               "CONSULT_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/consult.sqlite3",
               "CONSULT_SEARCH_INDEX": f"{tmp}/search_index", "CONSULT_ATTACHMENTS": f"{tmp}/attachments",
               "CONSULT_INSTANCE": f"{tmp}/instance", "CONSULT_MAIL_SERVER": ""}
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        if args.database_url:
            from sqlalchemy import create_engine, text

            engine = create_engine(args.database_url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        path = os.path.join(tmp, "cases.jsonl")
        write_cases(path, args.cases)
        print(f"cases: {args.cases} synthetic (bench/search_speed.make_case), database: "
              f"{'given' if args.database_url else 'SQLite'}, load average {os.getloadavg()[0]:.1f}")
        if args.profile:
            import cProfile
            import pstats

            os.environ.update(env)
            from consult import create_app
            from consult.cases import importer

            app = create_app()
            with app.app_context():
                profile = cProfile.Profile()
                started = time.perf_counter()
                profile.runcall(importer.import_file, path)
                print(f"in-process import: {time.perf_counter() - started:.1f} s")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            return
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(flask + ["cases", "import", path], cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            print(proc.stderr[-2000:])
            raise SystemExit(proc.returncode)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        status = subprocess.run(flask + ["search", "status"], cwd=ROOT, env=env, capture_output=True, text=True)
        print(proc.stdout.strip())
        print(f"wall {wall:.1f} s = {args.cases / wall:,.0f} cases/s; CPU (import and its children) {cpu:.1f} s "
              f"= {args.cases / cpu:,.0f} cases per CPU-second")
        print("search status:", " ".join(status.stdout.split())[:300])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
