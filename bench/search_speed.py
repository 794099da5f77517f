"""Search speed bench on synthetic Japanese cases.

Usage: python bench/search_speed.py [--sizes 1000,20000] [--queries 200] [--procs 2]

Prints per size: build rate, index size, cold open, p50/p95 latency of short keyword queries
(with and without facets) and of paragraph-long queries, and for the largest size the time
from publishing one case until it is found.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from consult.search import index as sindex  # noqa: E402
from consult.search import query as squery  # noqa: E402

DEPTS = ["総務部 総務課", "経営管理部 人事課", "健康福祉部 医療政策課", "県土整備部 道路課",
         "農林水産部 農政課", "環境生活部 廃棄物対策課", "教育委員会 学校支援課", "危機管理部 防災課",
         "商工労働部 産業振興課", "会計局 会計課", "○○地域振興局 総務企画課", "税務課"]
SUBJECTS = ["補助金の申請書", "市町村への照会", "会議の議事録", "出張の旅費請求", "研修の受講申込",
            "公用車の予約", "県民からの問い合わせ", "災害時の被害報告", "契約書の押印", "統計表の公開",
            "現場の点検記録", "文書の廃棄", "職員の時間外勤務", "イベントの参加申込", "請求書の処理",
            "許可申請の進捗", "共有フォルダのファイル", "審議会の開催", "個人情報の受け渡し", "窓口の予約"]
PROBLEMS = ["紙で受け付けて手入力している", "Excelに一件ずつ転記している", "電話での確認に時間を取られる",
            "担当者しか手順が分からない", "郵送のやりとりに日数がかかる", "集計の前に様式を直す手間が大きい",
            "FAXで届いて書き写している", "同じ質問が何度も来る", "決裁に押印が必要で回付が遅い",
            "探すのに毎回時間がかかる", "二重入力でミスが起きる", "月末に残業が集中する"]
TOOLS = ["Excel", "kintone", "LoGoフォーム", "RPA（WinActor）", "Power Automate", "Microsoft Forms",
         "Teams", "AI-OCR", "電子申請サービス", "文書管理システム", "チャットボット", "共有サーバ",
         "Power Query", "LoGoチャット", "タブレット", "Web会議"]
SOLUTIONS = ["オンラインフォームで受け付けるようにした", "様式を統一して入力規則を設定した",
             "ロボットで財務会計システムへの入力を自動化した", "FAQをホームページに掲載した",
             "押印を廃止して電子決裁に切り替えた", "データベースで一元管理するようにした",
             "手順書を作り引継ぎのルールを定めた", "スキャンしてPDFで検索できるようにした",
             "ビジネスチャットで出先機関と連絡するようにした", "作業そのものを廃止した"]
EFFECTS = ["年間{h}時間の削減になった", "処理日数が半分になった", "問い合わせが3割減った",
           "入力ミスがなくなった", "残業がほぼなくなった"]
KEYWORDS = ["エクセル 集計", "押印廃止", "RPA 引継ぎ", "kintone", "電子申請 補助金", "議事録 AI",
            "ｴｸｾﾙ 転記", "チャットボット 問い合わせ", "文書 廃棄", "サーバー 整理", "紙", "FAX 災害",
            "タブレット 点検", "旅費 電子決裁", "Web会議 審議会", "個人情報 USB"]


def make_case(rng: random.Random, i: int) -> dict:
    """One synthetic case (~400-600 characters)."""
    subj, prob = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
    tools = rng.sample(TOOLS, rng.randint(0, 3))
    sols = rng.sample(SOLUTIONS, 2)
    h = rng.randint(10, 800)
    return {
        "ref": f"S-{i:06d}", "title": f"{subj}で{prob}問題を{'・'.join(tools) or '見直し'}で改善",
        "department": rng.choice(DEPTS),
        "problem": f"{subj}について、{prob}。年間およそ{rng.randint(100, 5000)}件あり、"
                   f"{rng.choice(PROBLEMS)}ため、担当者の負担が大きかった。"
                   f"{rng.choice(SUBJECTS)}でも同じように{rng.choice(PROBLEMS)}。",
        "cause": f"{rng.choice(['様式が紙前提', '手順が属人化', 'システム間の連携がない', '確認の回付が多い'])}"
                 f"だったため、{rng.choice(PROBLEMS)}状態が続いていた。",
        "solution": f"{'、'.join(tools) or '既存の仕組み'}を使い、{sols[0]}。あわせて{sols[1]}。"
                    f"{rng.choice(DEPTS)}と調整し、{rng.choice(SUBJECTS)}の手順も見直した。",
        "effect": rng.choice(EFFECTS).format(h=h) + "。",
        "tools": tools, "tags": rng.sample(["ペーパーレス", "自動化", "集計", "問い合わせ", "防災",
                                            "個人情報", "会議", "文書管理"], 2),
        "resolution_type": rng.choice(["ツール導入", "業務改善", "業務廃止", "情報提供"]),
        "category": "", "hours_saved_per_year": h, "published_at": None,
        "helpful_count": rng.randint(0, 50), "view_count": rng.randint(0, 500),
    }


def paragraph(rng: random.Random) -> str:
    """A ticket-like paragraph of 100-200 characters."""
    return (f"{rng.choice(DEPTS)}です。{rng.choice(SUBJECTS)}の件で相談です。今は"
            f"{rng.choice(PROBLEMS)}のですが、{rng.choice(PROBLEMS)}ので困っています。"
            f"{rng.choice(TOOLS)}などを使って{rng.choice(SOLUTIONS)}ような事例はありますか。"
            f"毎月{rng.randint(5, 80)}時間ほどかかっていて、何とかしたいと思っています。")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timed(fn, texts):
    out = []
    for t in texts:
        s = time.perf_counter()
        fn(t)
        out.append((time.perf_counter() - s) * 1000)
    return f"p50 {statistics.median(out):6.1f} ms  p95 {pct(out, 95):6.1f} ms"


def dir_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6


def bench(n, nq, procs, tmp, last):
    rng = random.Random(n)
    path = os.path.join(tmp, f"ix{n}")
    t = time.perf_counter()
    sindex.rebuild(path, (make_case(rng, i) for i in range(n)), procs=procs)
    build = time.perf_counter() - t
    print(f"\n== {n} cases: build {n / build:,.0f} docs/s ({build:.1f} s), size {dir_mb(path):.1f} MB")
    t = time.perf_counter()
    ix = sindex.open_index(path, create=False)
    squery.search(ix, "エクセル 集計", facets=False)
    print(f"cold open + first query {(time.perf_counter() - t) * 1000:.0f} ms")
    kw = [rng.choice(KEYWORDS) for _ in range(nq)]
    paras = [paragraph(rng) for _ in range(max(20, nq // 4))]
    squery.search(ix, "紙")  # builds the facet tables once per searcher
    print("keywords, no facets  ", timed(lambda q: squery.search(ix, q, facets=False), kw))
    print("keywords, facets     ", timed(lambda q: squery.search(ix, q), kw))
    print("paragraph suggest    ", timed(lambda q: squery.suggest(ix, q), paras))
    if last:
        case = make_case(rng, n + 1)
        case["title"] = "特異語ズィルコニア研磨の予約を電子化"
        t = time.perf_counter()
        sindex.upsert_cases(ix, [case])
        found = [h.ref for h in squery.search(ix, "ズィルコニア", facets=False).hits]
        ms = (time.perf_counter() - t) * 1000
        print(f"publish one case until searchable {ms:.0f} ms (found={case['ref'] in found})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,20000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--procs", type=int, default=2)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = tempfile.mkdtemp(prefix="search-speed-")
    try:
        for i, n in enumerate(sizes):
            bench(n, args.queries, args.procs if n >= 5000 else 1, tmp, i == len(sizes) - 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
