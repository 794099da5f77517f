"""Search speed bench on synthetic Japanese cases.

Usage: python bench/search_speed.py [--sizes 1000,20000,100000] [--queries 200] [--procs 2]

The synthetic corpus is built from a varied office vocabulary (about 60 subjects, 40 tools,
50 departments, 40 problems, 40 solutions, many objects and verbs), each drawn with a
Zipf-like distribution, so a few words are very common and most are rare, as in real case
collections.  Prints per size: build rate, index size, cold open, p50/p95 latency of keyword
queries (1-4 words, with and without facets), of paragraph-long queries (100-300 characters,
what the intake form sends to ``suggest()``), and the time from publishing one case until a
search finds it.
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

BUREAUS = ["総務部", "経営管理部", "企画部", "健康福祉部", "県土整備部", "農林水産部", "環境生活部",
           "教育委員会", "危機管理部", "商工労働部", "会計局", "警察本部", "子ども家庭部",
           "文化スポーツ部", "デジタル推進局", "土木事務所", "保健所", "地域振興局", "県税事務所",
           "農業改良普及センター"]
SECTIONS = ["総務課", "人事課", "財政課", "企画調整課", "医療政策課", "道路課", "河川課", "農政課",
            "廃棄物対策課", "学校支援課", "防災課", "産業振興課", "会計課", "税務課", "福祉政策課",
            "障害福祉課", "子育て支援課", "観光振興課", "情報政策課", "建築指導課", "森林整備課",
            "水産振興課", "食品衛生課", "感染症対策課", "用地課", "管理課", "庶務課", "監査課",
            "広報課", "文化振興課", "スポーツ振興課", "労働政策課", "国際課", "交通政策課",
            "自然保護課", "生活衛生課", "高齢福祉課", "教職員課", "施設課", "契約課"]
SUBJECTS = ["補助金の申請書", "市町村への照会", "会議の議事録", "出張の旅費請求", "研修の受講申込",
            "公用車の予約", "県民からの問い合わせ", "災害時の被害報告", "契約書の押印", "統計表の公開",
            "現場の点検記録", "文書の廃棄", "職員の時間外勤務", "イベントの参加申込", "請求書の処理",
            "許可申請の進捗", "共有フォルダのファイル", "審議会の開催", "個人情報の受け渡し",
            "窓口の予約", "物品の購入", "会議室の予約", "議会答弁の作成", "予算要求資料",
            "決算の集計", "アンケートの集計", "施設の利用申込", "講師への謝金支払", "名簿の管理",
            "年末調整の書類", "健康診断の日程調整", "庁内照会の回答", "入札の公告", "工事の検査",
            "道路の損傷通報", "河川の水位情報", "鳥獣被害の報告", "農地転用の届出", "営業許可の更新",
            "給食の献立", "学校の欠席連絡", "保育所の入所申込", "介護認定の調査", "生活保護の訪問記録",
            "税の証明書発行", "滞納者への催告", "観光パンフレットの在庫", "ホームページの更新",
            "広報誌の校正", "記者発表資料", "人事評価のシート", "勤務表の作成", "休暇の申請",
            "郵便物の発送", "電話の取次ぎ", "来庁者の受付", "備品の貸出", "図面の保管",
            "検査データの入力", "研修資料の印刷"]
PROBLEMS = ["紙で受け付けて手入力している", "Excelに一件ずつ転記している", "電話での確認に時間を取られる",
            "担当者しか手順が分からない", "郵送のやりとりに日数がかかる", "集計の前に様式を直す手間が大きい",
            "FAXで届いて書き写している", "同じ質問が何度も来る", "決裁に押印が必要で回付が遅い",
            "探すのに毎回時間がかかる", "二重入力でミスが起きる", "月末に残業が集中する",
            "最新版がどれか分からない", "メールの添付が多く見落とす", "締切の管理が漏れる",
            "現地に行かないと状況が分からない", "記入漏れの差し戻しが多い", "印刷して綴じている",
            "台帳が部署ごとに分かれている", "システムの操作が難しい", "マクロが壊れて動かない",
            "会議の日程調整に手間がかかる", "問い合わせ先がたらい回しになる", "手書きの字が読めない",
            "集計結果の確認に二人必要", "同じ内容を複数のシステムに入力する", "データの形式がばらばら",
            "誰がどこまで対応したか分からない", "検索できないPDFが溜まる", "写真の整理に時間がかかる",
            "夜間や休日の連絡がつかない", "外国語の問い合わせに対応できない", "音声の文字起こしが大変",
            "押印のために出勤している", "申請の受付状況を電話で聞かれる", "帳票の様式が古い",
            "引継ぎ資料がない", "パスワード付きファイルのやりとりが面倒", "持ち出しのルールが曖昧",
            "紙の保存箱が書庫にあふれている"]
CAUSES = ["様式が紙前提", "手順が属人化", "システム間の連携がない", "確認の回付が多い", "規程が古い",
          "担当者が毎年替わる", "マニュアルが更新されていない", "共有の仕組みがない",
          "前例を踏襲している", "ツールの使い方を知らない", "予算がない", "セキュリティの決まりが厳しい"]
TOOLS = ["Excel", "kintone", "LoGoフォーム", "RPA（WinActor）", "Power Automate", "Microsoft Forms",
         "Teams", "AI-OCR", "電子申請サービス", "文書管理システム", "チャットボット", "共有サーバ",
         "Power Query", "LoGoチャット", "タブレット", "Web会議", "Access", "SharePoint", "Outlook",
         "Googleフォーム", "生成AI", "財務会計システム", "人事給与システム", "GIS", "QRコード",
         "電子契約", "電子決裁", "Word", "PowerPoint", "Power BI", "ドローン", "音声認識",
         "スキャナ", "複合機", "Zoom", "LINE", "ホームページ", "メールマガジン", "マクロ", "CSV"]
SOLUTIONS = ["オンラインフォームで受け付けるようにした", "様式を統一して入力規則を設定した",
             "ロボットで財務会計システムへの入力を自動化した", "FAQをホームページに掲載した",
             "押印を廃止して電子決裁に切り替えた", "データベースで一元管理するようにした",
             "手順書を作り引継ぎのルールを定めた", "スキャンしてPDFで検索できるようにした",
             "ビジネスチャットで出先機関と連絡するようにした", "作業そのものを廃止した",
             "ファイル名の付け方を決めた", "共有カレンダーで予約を見えるようにした",
             "QRコードから回答できるようにした", "写真を位置情報付きで共有するようにした",
             "チェックリストで確認を一人にした", "受付状況をウェブで確認できるようにした",
             "音声認識で議事録の下書きを作るようにした", "地図上で案件を管理するようにした",
             "ピボットテーブルで集計を自動化した", "ダッシュボードで進捗を共有した",
             "紙の台帳をスキャンして廃棄した", "テンプレートを配布した", "照会を年一回にまとめた",
             "報告の項目を半分に減らした", "タブレットで現場から入力するようにした",
             "メールの自動振り分けを設定した", "AIで文書の要約を作るようにした",
             "翻訳ツールで多言語に対応した", "電子契約サービスを導入した", "研修動画を作って共有した"]
EFFECTS = ["年間{h}時間の削減になった", "処理日数が半分になった", "問い合わせが3割減った",
           "入力ミスがなくなった", "残業がほぼなくなった", "郵送費が年間{k}万円減った",
           "県民の待ち時間が短くなった", "引継ぎが一日で済むようになった", "紙の使用量が{p}割減った"]
TAGS = ["ペーパーレス", "自動化", "集計", "問い合わせ", "防災", "個人情報", "会議", "文書管理",
        "電子申請", "押印廃止", "RPA", "生成AI", "データ活用", "窓口", "現場", "引継ぎ", "テレワーク",
        "多言語", "セキュリティ", "業務廃止"]
VERBS = ["見直した", "整理した", "共有した", "短縮した", "統一した", "削減した", "可視化した",
         "簡素化した", "標準化した", "電子化した"]
KEYWORDS = ["エクセル 集計", "押印廃止", "RPA 引継ぎ", "kintone", "電子申請 補助金", "議事録 AI",
            "ｴｸｾﾙ 転記", "チャットボット 問い合わせ", "文書 廃棄", "サーバー 整理", "紙", "FAX 災害",
            "タブレット 点検", "旅費 電子決裁", "Web会議 審議会", "個人情報 USB", "会議室 予約",
            "QRコード アンケート", "音声認識 議事録 作成", "保育所 入所 申込 オンライン", "GIS 道路",
            "ドローン", "マクロ 動かない", "パスワード 添付ファイル", "多言語 窓口", "滞納 催告 自動化",
            "勤務表", "ホームページ 更新 手順", "生成AI 要約", "帳票 様式 統一", "写真 整理 現場",
            "年末調整 書類 電子化", "名簿 管理 一元化", "キントーン 案件 管理", "ピボットテーブル"]


def zipf(rng: random.Random, items: list, s: float = 1.1):
    """Draw one item, the k-th with probability proportional to 1/k^s (fixed order)."""
    weights = _WEIGHTS.get((len(items), s))
    if weights is None:
        weights = _WEIGHTS[(len(items), s)] = [1 / (k + 1) ** s for k in range(len(items))]
    return rng.choices(items, weights=weights, k=1)[0]


_WEIGHTS: dict = {}


def make_case(rng: random.Random, i: int) -> dict:
    """One synthetic case (~300-600 characters)."""
    subj, prob = zipf(rng, SUBJECTS), zipf(rng, PROBLEMS)
    tools = list(dict.fromkeys(zipf(rng, TOOLS) for _ in range(rng.randint(0, 3))))
    sol1, sol2 = zipf(rng, SOLUTIONS), zipf(rng, SOLUTIONS)
    h = rng.randint(10, 800)
    dept = f"{zipf(rng, BUREAUS, 0.8)} {zipf(rng, SECTIONS, 0.8)}"
    effect = zipf(rng, EFFECTS).format(h=h, k=rng.randint(1, 90), p=rng.randint(2, 8))
    return {
        "ref": f"S-{i:06d}",
        "title": f"{subj}を{zipf(rng, VERBS)}（{'・'.join(tools) or '業務改善'}）",
        "department": dept,
        "problem": f"{subj}について、{prob}。年間およそ{rng.randint(100, 5000)}件あり、"
                   f"{zipf(rng, PROBLEMS)}ため、担当者の負担が大きかった。"
                   + (f"{zipf(rng, SUBJECTS)}でも同じように{zipf(rng, PROBLEMS)}。"
                      if rng.random() < 0.6 else ""),
        "cause": f"{zipf(rng, CAUSES)}だったため、{zipf(rng, PROBLEMS)}状態が続いていた。",
        "solution": f"{'、'.join(tools) or '既存の仕組み'}を使い、{sol1}。"
                    + (f"あわせて{sol2}。" if sol2 != sol1 else "")
                    + f"{zipf(rng, SECTIONS, 0.8)}と調整し、{zipf(rng, SUBJECTS)}の手順も"
                      f"{zipf(rng, VERBS)}。",
        "effect": effect + "。",
        "tools": tools,
        "tags": list(dict.fromkeys(zipf(rng, TAGS) for _ in range(2))),
        "resolution_type": rng.choice(["ツール導入", "業務改善", "業務廃止", "情報提供"]),
        "category": "", "hours_saved_per_year": h, "published_at": None,
        "helpful_count": rng.randint(0, 50), "view_count": rng.randint(0, 500),
    }


def paragraph(rng: random.Random) -> str:
    """A ticket-like paragraph of 100-300 characters, as the intake form sends it."""
    parts = [f"{zipf(rng, BUREAUS)}{zipf(rng, SECTIONS)}です。{zipf(rng, SUBJECTS)}の件で相談です。",
             f"今は{zipf(rng, PROBLEMS)}のですが、{zipf(rng, PROBLEMS)}ので困っています。"]
    if rng.random() < 0.7:
        parts.append(f"原因は{zipf(rng, CAUSES)}ことだと思います。")
    parts.append(f"{zipf(rng, TOOLS)}などを使って{zipf(rng, SOLUTIONS)}ような事例はありますか。")
    if rng.random() < 0.6:
        parts.append(f"{zipf(rng, SUBJECTS)}や{zipf(rng, SUBJECTS)}でも似たことが起きていて、"
                     f"{zipf(rng, PROBLEMS)}状態です。")
    parts.append(f"毎月{rng.randint(5, 80)}時間ほどかかっていて、何とかしたいと思っています。")
    return "".join(parts)[:300]


# Texts on subjects the synthetic cases never treat: they must get no suggestion at any size.
OFF_TOPIC = [
    "庁舎の駐車場の区画線を引き直したい",
    "職員互助会の旅行の申込",
    "庁舎のエレベーターが古く故障が多いので、更新工事の予算を要求したい",
    "来年度の新規採用職員の配属先をどう決めればよいか悩んでいる",
    "ふるさと納税の返礼品の選び方について相談したい",
    "県立美術館の展示替えの作業員を手配したい",
    "公用車のタイヤ交換はいつ頃すればよいですか",
    "職員の健康診断で再検査になったので病院を紹介してほしい",
    "職場の観葉植物の水やり当番\n課で育てている観葉植物の水やりを誰がするか決まっておらず、"
    "枯れそうになっています。当番表のようなものを作った方がよいでしょうか。",
    "忘年会の会場選び\n毎年の忘年会の幹事になりました。会場の候補をいくつか比べて決めたいのですが、"
    "参加人数がなかなか確定しません。",
]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timed(fn, texts):
    """Wall and CPU time per call (the CPU time shows how much of the wall time was waiting
    for a shared, loaded machine)."""
    out, cpu = [], []
    for t in texts:
        s, c = time.perf_counter(), time.process_time()
        fn(t)
        out.append((time.perf_counter() - s) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return (f"p50 {statistics.median(out):6.1f} ms  p95 {pct(out, 95):6.1f} ms   "
            f"(CPU p50 {statistics.median(cpu):5.1f} ms  p95 {pct(cpu, 95):5.1f} ms)")


def load():
    try:
        return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def _segments(path):
    ix = sindex.open_index(path, create=False)
    with ix.reader() as r:
        return len(list(r.leaf_readers()))


def dir_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6


def bench(n, nq, procs, tmp, keep=None):
    rng = random.Random(n)
    path = keep or os.path.join(tmp, f"ix{n}")
    if keep and os.path.isdir(path):
        print(f"\n== {n} cases: reusing {path}, size {dir_mb(path):.1f} MB")
    else:
        print(f"\n== {n} cases ({load()})", flush=True)
        t, c0 = time.perf_counter(), os.times()
        sindex.rebuild(path, (make_case(rng, i) for i in range(n)), procs=procs)
        build, c1 = time.perf_counter() - t, os.times()
        cpu = sum(c1[:4]) - sum(c0[:4])  # this process and its indexing processes
        print(f"build {n / build:,.0f} docs/s ({build:.1f} s, CPU {cpu:.1f} s, procs={procs}), "
              f"size {dir_mb(path):.1f} MB, {_segments(path)} segments", flush=True)
    rng = random.Random(n + 1)
    # The figures are the searches themselves: the pages and suggestions kept with the searcher (a repeated
    # query costs nothing until the next commit) are switched off here.
    squery.RESULT_CACHE = squery.SUGGEST_CACHE = squery.SIMILAR_CACHE = 0
    t = time.perf_counter()
    ix = sindex.open_index(path, create=False)
    squery.search(ix, "エクセル 集計", facets=False)
    print(f"cold open + first query {(time.perf_counter() - t) * 1000:.0f} ms ({load()})")
    kw = [rng.choice(KEYWORDS) for _ in range(nq)]
    paras = [paragraph(rng) for _ in range(max(20, nq // 2))]
    squery.search(ix, "紙")  # builds the facet tables once per searcher
    lens = sorted(len(p) for p in paras)
    print(f"paragraphs: {lens[0]}-{lens[-1]} characters (median {lens[len(lens) // 2]})")
    print("keywords, no facets  ", timed(lambda q: squery.search(ix, q, facets=False), kw), flush=True)
    print("keywords, facets     ", timed(lambda q: squery.search(ix, q), kw), flush=True)
    print("paragraph suggest    ", timed(lambda q: squery.suggest(ix, q), paras), flush=True)
    got = sum(bool(squery.suggest(ix, q)) for q in paras)
    print(f"paragraphs with at least one suggestion: {got}/{len(paras)}", flush=True)
    off = [t for t in OFF_TOPIC if squery.suggest(ix, t)]
    print(f"off-topic texts with a suggestion: {len(off)}/{len(OFF_TOPIC)} {off}", flush=True)
    print("paragraph search     ", timed(lambda q: squery.search(ix, q, facets=False), paras), flush=True)
    lat = []
    for k in range(5):
        case = make_case(rng, n + 1 + k)
        word = f"ズィルコニア{'アイウエオ'[k]}研磨"
        case["title"] = f"特異語{word}の予約を電子化"
        t = time.perf_counter()
        sindex.upsert_cases(ix, [case])
        found = [h.ref for h in squery.search(ix, word, facets=False).hits]
        lat.append((time.perf_counter() - t) * 1000)
        assert case["ref"] in found, "published case not found"
    print(f"publish one case until searchable: median {statistics.median(lat):.0f} ms, "
          f"max {max(lat):.0f} ms (5 cases, all found; {load()})", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,20000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--keep", help="directory to keep (and reuse) the built indexes in")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = tempfile.mkdtemp(prefix="search-speed-")
    try:
        for n in sizes:
            keep = os.path.join(args.keep, f"ix{n}") if args.keep else None
            bench(n, args.queries, args.procs if n >= 5000 else 1, tmp, keep)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
