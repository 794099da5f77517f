"""Suggestions while filing a ticket, on the demo corpus (consult/demo/cases.jsonl).

A whole intake text (title + trouble) must find the cases it shares its work with, even when
it is about a subject no case mentions (鳥獣の目撃報告); two keywords must work as well; and a
text on a subject the cases do not cover gets no suggestion at all."""

import json
from pathlib import Path

import pytest

from consult.search import index as sindex
from consult.search import planning
from consult.search import query as squery
from consult.search.snippets import snippet_html

DEMO = Path(__file__).resolve().parents[2] / "consult" / "demo" / "cases.jsonl"

# (intake text, cases that answer it)
RELEVANT = [
    ("鳥獣の目撃報告をエクセルに手入力して毎月集計している", {"C-2025-0002", "C-2025-0005", "C-2023-0005", "C-2025-0004"}),
    ("市町村からの目撃報告をエクセルに手入力して毎月集計している", {"C-2025-0002", "C-2025-0005", "C-2023-0005", "C-2025-0004"}),
    ("市町村からの報告をエクセルに手入力して集計している", {"C-2025-0002", "C-2025-0005", "C-2023-0005", "C-2025-0004"}),
    ("会議の日程調整と出欠確認をメールでやっていて手間がかかる", {"C-2023-0006"}),
    ("CSVの文字化け\nシステムから出したCSVファイルをエクセルで開くと文字化けする。毎回メモ帳で文字コードを変えて開き直している。", {"C-2022-0004"}),
    ("請求書の入力作業\n紙の請求書を見ながら財務会計システムに支出データを手入力している。月末は件数が多く入力ミスも起きる。", {"C-2021-0003", "C-2024-0006"}),
    ("審議会の議事録作成に時間がかかる。録音を聞き直して文字起こしするのに丸一日かかっている。", {"C-2026-0002"}),
    ("出勤簿のはんこ\n押印のためだけに出勤簿を印刷して課長に回している。勤怠は総務事務システムでも見られるのに。", {"C-2022-0001", "C-2025-0003"}),
    ("災害時の被害状況を市町村からFAXで受け取り、手で集計して本部に報告している", {"C-2025-0005", "C-2023-0005"}),
    ("同じ内容の問い合わせ電話が何度も来て、担当者ごとに回答が違ってしまう", {"C-2024-0005", "C-2022-0003", "C-2022-0002"}),
    ("個人情報を含むファイルをパスワード付きZIPでメール送信していて、誤送信が心配", {"C-2023-0002"}),
    ("研修の出席確認を紙の名簿でやっていて、資料も毎回印刷して配っている", {"C-2021-0001"}),
    ("毎週の定例会議が報告を読み上げるだけで終わっていて、本当に必要なのか疑問に感じる", {"C-2024-0001"}),
    ("補助金の申請事業者の名簿と過去の交付実績の名簿を、目で見比べて重複を確認している", {"C-2023-0004"}),
    ("近くへの出張でも毎回経路と運賃を調べて旅費を計算するのが手間", {"C-2021-0002"}),
    ("RPA 自動化", {"C-2024-0006", "C-2024-0004", "C-2025-0001"}),
    ("ピボットテーブル 集計", {"C-2025-0002"}),
    ("避難所の開設状況の取りまとめ\n災害時に市町村から避難所の開設状況や避難者数を電話とFAXで聞き取り、"
     "ホワイトボードとエクセルに書き写して本部に報告しています。電話がつながらず確認に時間がかかり、"
     "数字の食い違いも起きます。市町村と同じ画面で状況を共有できないでしょうか。", {"C-2023-0005"}),
    ("生成AIでマクロを作りたい\nエクセルのマクロを自分で作ってみたいが、関数や書き方が分からない。"
     "外部に頼むと予算がかかるので、生成AIに聞きながら作れないか相談したい。", {"C-2026-0003"}),
    ("紙の点検表\n現場の設備点検を紙のチェックリストに記入し、事務所に戻ってから入力し直している。"
     "スマホで入力できれば二度手間がなくなると思う。", {"C-2025-0006"}),
]
OFF_TOPIC = [
    "庁舎の駐車場の区画線を引き直したい",
    "職員互助会の旅行の申込",
    "庁舎のエレベーターが古く故障が多いので、更新工事の予算を要求したい",
    "来年度の新規採用職員の配属先をどう決めればよいか悩んでいる",
    "ふるさと納税の返礼品の選び方について相談したい",
    "県立美術館の展示替えの作業員を手配したい",
    "公用車のタイヤ交換はいつ頃すればよいですか",
    "職員の健康診断で再検査になったので病院を紹介してほしい",
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    cases = []
    with DEMO.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                cases.append(dict(row, ref=row["id"]))
    ix = sindex.open_index(str(tmp_path_factory.mktemp("demo") / "ix"))
    sindex.upsert_cases(ix, cases)
    return ix


def refs(hits):
    return [h.ref for h in hits]


@pytest.mark.parametrize(("text", "answers"), RELEVANT, ids=[t[:16] for t, _ in RELEVANT])
def test_intake_text_gets_a_relevant_suggestion(ix, text, answers):
    got = refs(squery.suggest(ix, text))
    assert set(got) & answers, (text, got)


@pytest.mark.parametrize("text", OFF_TOPIC, ids=[t[:16] for t in OFF_TOPIC])
def test_off_topic_text_gets_no_suggestion(ix, text):
    assert refs(squery.suggest(ix, text)) == []


def test_words_no_case_contains_do_not_drown_the_rest(ix):
    """鳥獣 and 目撃 are in no case: what the text shares with the cases decides."""
    base = refs(squery.suggest(ix, "市町村からの報告をエクセルに手入力して集計している"))
    rare = refs(squery.suggest(ix, "鳥獣の目撃報告をエクセルに手入力して毎月集計している"))
    assert base and rare and set(base[:2]) & set(rare)


def test_coverage_counts_a_word_once(ix):
    """A compound and its parts (手入力, 入力) or a word and its reading (Excel, エクセル) are one
    word: a case containing all of the text's words covers it fully."""
    searcher, _ = sindex.get_searcher(ix)
    plan = planning.make_plan(searcher, "Excelで手入力", squery.MAX_TERMS)
    # (a word's set also holds the related words it brings, weighted lower)
    assert len(plan.words) == 2 and any({"excel", "エクセル"} <= set(w) for w in plan.words)
    assert any({"手入力", "入力"} <= set(w) for w in plan.words)
    hit = squery.search(ix, "Excelで集計", facets=False).hits[0]
    assert hit.matched == 2 and hit.coverage == pytest.approx(1.0)


def test_one_shared_word_is_not_enough(ix):
    """A long text with only one word in common with a case (庁舎) suggests nothing."""
    assert squery.search(ix, "庁舎の駐車場の区画線を引き直したい", facets=False).hits
    assert squery.suggest(ix, "庁舎の駐車場の区画線を引き直したい") == []


def test_snippet_escapes_everything_but_the_marks(ix):
    text = '**重要** エクセルで<script>alert("x")</script> & [リンク](http://x) `集計`'
    analyzer = sindex.get_searcher(ix)[0].schema["text"].analyzer
    out = snippet_html(analyzer, text, ["excel", "集計"])
    assert "&lt;script&gt;" in out and "&amp;" in out and "&quot;x&quot;" in out
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped and '"' not in stripped
    assert out.count("<mark>") == 2


def test_suggestions_are_kept_until_the_index_changes(tmp_path):
    """The same text gives the same (cached) suggestions; a commit opens a new searcher and
    the next call sees the new case; another text is another entry."""
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, [dict(ref="K-1", title="エクセル集計をピボットテーブルで自動化",
                                  problem="各課のExcelを手で集計していた", department="総務課")])
    text = "毎月のExcel集計が大変\n各課から届くエクセルを手作業で集計している"
    first = squery.suggest(ix, text)
    assert refs(first) == ["K-1"]
    again = squery.suggest(ix, text)
    assert again[0] is first[0]  # the same Hit objects: nothing was searched again
    again.clear()
    assert refs(squery.suggest(ix, text)) == ["K-1"]  # the caller's list is a copy
    sindex.upsert_cases(ix, [dict(ref="K-2", title="議事録の作成とExcel集計を自動化",
                                  problem="各課から届くエクセルの集計と議事録の作成に時間がかかる",
                                  department="総務課")])
    after = squery.suggest(ix, text)
    assert "K-2" in refs(after) and after[0] is not first[0]
    assert refs(squery.suggest(ix, "議事録の作成に時間がかかる")) == ["K-2"]


def test_suggestion_cache_is_bounded(ix, monkeypatch):
    monkeypatch.setattr(squery, "SUGGEST_CACHE", 3)
    _, cache = sindex.get_searcher(ix)
    cache.pop("suggest", None)
    for text, _ in RELEVANT[:6]:
        squery.suggest(ix, text)
    assert list(cache["suggest"])[-1][0] == RELEVANT[5][0] and len(cache["suggest"]) == 3


def test_search_pages_and_similar_cases_are_kept_until_the_index_changes(tmp_path, monkeypatch):
    """search() and similar() answers are kept with the searcher: the same page costs nothing the second time,
    callers get their own list, a commit (a new case, a 役に立った vote) shows at once, and the cache is bounded."""
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, [dict(ref="K-1", title="エクセル集計をピボットテーブルで自動化",
                                  problem="各課のExcelを手で集計していた", department="総務課"),
                             dict(ref="K-2", title="Excel集計の関数を共有",
                                  problem="エクセルの集計表を各課で作り直していた", department="総務課")])
    first = squery.search(ix, "エクセル 集計")
    again = squery.search(ix, "エクセル 集計")
    assert again.hits[0] is first.hits[0] and again.total == first.total == 2
    again.hits.clear()
    assert len(squery.search(ix, "エクセル 集計").hits) == 2  # the caller's list is a copy
    assert squery.search(ix, "エクセル 集計", sort="newest").hits[0] is not first.hits[0]  # another key
    similar = squery.similar(ix, "K-1")
    assert [h.ref for h in similar] == ["K-2"] and squery.similar(ix, "K-1")[0] is similar[0]
    sindex.upsert_cases(ix, [dict(ref="K-3", title="エクセル集計をRPAで自動化", problem="集計に毎月2日",
                                  department="総務課")])
    after = squery.search(ix, "エクセル 集計")
    assert after.total == 3 and after.hits[0] is not first.hits[0]
    assert "K-3" in [h.ref for h in squery.similar(ix, "K-1")]
    monkeypatch.setattr(squery, "RESULT_CACHE", 2)
    for text in ("エクセル", "集計", "自動化", "RPA"):
        squery.search(ix, text)
    _, cache = sindex.get_searcher(ix)
    assert len(cache["search"]) == 2 and list(cache["search"])[-1][0] == "RPA"
