"""Unit tests of the Japanese analyzer."""

import pickle

import pytest

from consult.search.analysis import BigramAnalyzer, JapaneseAnalyzer, analyze_terms, normalize


@pytest.fixture(scope="module")
def ana():
    return JapaneseAnalyzer()


def terms(ana, text, mode="query"):
    return set(t.text for t in ana(text, mode=mode))


def test_normalize_width_case_kana_long_vowel():
    assert normalize("ＥＸＣＥＬ") == "excel"
    assert normalize("ｴｸｾﾙ") == "エクセル"
    assert normalize("えくせる") == "エクセル"
    assert normalize("サーバー") == normalize("サーバ") == "サーバ"
    assert normalize("ｶﾞｲﾄﾞ") == "ガイド"
    assert normalize("ルー") == "ルー"  # two-character words keep their long vowel


@pytest.mark.parametrize("variant", ["Excel", "ＥＸＣＥＬ", "エクセル", "ｴｸｾﾙ", "えくせる", "excel"])
def test_excel_variants_meet(ana, variant):
    assert "excel" in terms(ana, variant + "で集計")


def test_katakana_and_latin_product_names_meet(ana):
    assert terms(ana, "キントーン") & terms(ana, "kintone", mode="index")
    assert terms(ana, "ロゴフォーム") & terms(ana, "LoGoフォーム", mode="index")


def test_long_vowel_variants(ana):
    assert terms(ana, "サーバー") == terms(ana, "サーバ")
    assert terms(ana, "わーくふろー") & terms(ana, "ワークフロー")


def test_synonyms(ana):
    assert terms(ana, "はんこ") == terms(ana, "印鑑") == terms(ana, "押印")
    assert terms(ana, "二次元コード") & terms(ana, "QRコード")
    assert terms(ana, "取りまとめ") == terms(ana, "集計")


def test_offsets_point_into_original_text(ana):
    text = "ＥＸＣＥＬの表とｴｸｾﾙ、サーバーの設定"
    for tok in ana(text, chars=True):
        assert tok.endchar > tok.startchar
        assert normalize(text[tok.startchar:tok.endchar])  # a real slice of the input
    spans = {text[t.startchar:t.endchar] for t in ana(text, chars=True)}
    assert {"ＥＸＣＥＬ", "ｴｸｾﾙ", "サーバー", "設定"} <= spans


def test_one_character_words_and_stopwords(ana):
    assert "紙" in terms(ana, "紙")
    assert "ノ" not in terms(ana, "紙の書類")
    assert analyze_terms(ana, "") == []


def test_syntax_characters_are_plain_text(ana):
    assert "excel" in terms(ana, 'Excel AND (集計 OR "転記')


def test_analyzer_pickles_without_state(ana):
    list(ana("エクセル"))
    clone = pickle.loads(pickle.dumps(ana))
    assert clone == ana
    assert len(pickle.dumps(ana)) < 400


def test_bigram_variant():
    b = BigramAnalyzer()
    assert {"集計"} <= set(t.text for t in b("集計"))
    assert set(t.text for t in b("えくせる")) == set(t.text for t in b("ｴｸｾﾙ"))
