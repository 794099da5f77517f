"""The anonymisation check runs in linear time (audit finding 3): worst-case inputs for every pattern are scanned
within a generous multiple of a plain one-pass scan of the same text, measured on this machine at the same moment
(a ratio, so the test does not depend on the machine's speed). Quadratic patterns were 150–1500× on 20,000 chars."""
import re
import time

import pytest

from consult.cases import anonymize

N = 30_000
BUDGET = 100  # × a plain scan; linear patterns stay ≤ ~25×, the quadratic ones grow with N (≥ 200× at this size)

WORST_CASES = {
    "e-mail local part without @": "a" * N,
    "e-mail digits": "1" * N,
    "e-mail domain labels": "a@" + "b." * (N // 2),
    "e-mail domain without dot": "a@" + "b" * N,
    "e-mail many at signs": "a@" * (N // 2),
    "内線 and spaces": "内線" + " " * N,
    "内線 colon spaces": "内線" + " ：" * (N // 2),
    "prefecture and spaces": "神奈川県" + " " * N,
    "city and digits": "横浜市" + "1" * N,
    "city digits spaces": "横浜市" + "1 " * (N // 2),
    "postal code and digits": "〒123-4567" + "1" * N + "x",
    "postal code and block numbers": "〒123-4567横浜市" + "1の" * (N // 2) + "x",
    "zeros": "0" * N,
    "phone separators": "0-" * (N // 2),
    "phone brackets": "(0" * (N // 2),
    "kanji run": "市" * N,
    "full-width digits": "０" * N,
    "surnames": "佐藤" * (N // 2),
    "surname and space": "佐藤 " * (N // 3),
    "names of the ticket": "山田 " * (N // 3),
}


def _best(fn, times=3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _plain_scan(text: str) -> None:
    """One pass over the text: a regex visiting every character."""
    for _ in re.finditer(r"[\s\S]", text):
        pass


@pytest.mark.parametrize("name", list(WORST_CASES))
def test_scan_is_linear(name):
    text = WORST_CASES[name]
    context = {"names": ["山田 花子", "佐藤"], "ticket_texts": []}
    plain = _best(lambda: _plain_scan(text))
    took = _best(lambda: anonymize.scan({"body": text}, context), times=2)
    assert took <= BUDGET * plain, f"{name}: scan {took:.3f}s = {took / plain:.0f}× a plain scan ({plain:.4f}s)"


def test_email_still_found_after_the_fix():
    """The look-behind keeps whole addresses (the match starts where the run of address characters starts)."""
    found = anonymize.scan({"body": "連絡先は yamada.taro+dx@pref.example.jp まで"})
    assert [f.text for f in found if f.kind == anonymize.KIND_EMAIL] == ["yamada.taro+dx@pref.example.jp"]
    found = anonymize.scan({"body": "内線 ： 1234 と 内線5678"})
    assert [f.text for f in found if f.kind == anonymize.KIND_PHONE] == ["内線 ： 1234", "内線5678"]
