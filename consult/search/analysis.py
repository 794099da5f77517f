"""Japanese text analysis for the case index.

Pipeline (the same for documents and queries):

1. ``prepare``: per-character NFKC + lower-case, halfwidth voiced marks joined, a final
   long-vowel mark of katakana words of 3+ characters dropped (サーバー -> サーバ), hiragana
   runs containing ー folded to katakana (わーくふろー).  Every output character keeps the
   span of the original characters it came from, so highlights never shift.
2. Synonyms (``synonyms.txt``): every variant is rewritten to the first word of its line.
3. Tokenisation: SudachiPy (split mode C words plus their mode A parts, normalised forms,
   Latin words also get their katakana reading) or character bigrams.
4. Per-token folding: NFKC, lower-case, hiragana -> katakana, final long vowel.

Analyzer objects only hold plain settings (the schema is pickled into the index); the Sudachi
dictionary and the synonym table are cached per process.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from functools import lru_cache

import jaconv
from whoosh.analysis import Analyzer, Token

__all__ = ["normalize", "fold", "JapaneseAnalyzer", "BigramAnalyzer", "analyze_terms",
           "reload_synonyms"]

SYNONYMS_PATH = os.path.join(os.path.dirname(__file__), "synonyms.txt")
_MAX_CHUNK = 4000  # characters per Sudachi call (Sudachi refuses inputs over ~49 KB)

# Parts of speech that carry no topic.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接続詞", "感動詞", "連体詞",
             "接頭辞", "接尾辞"}
# Very frequent content words (normalised, katakana-folded) that only add noise.
_STOP = {
    "スル", "為ル", "アル", "有ル", "イル", "居ル", "ナル", "成ル", "デキル", "出来ル", "思ウ",
    "言ウ", "ヨウ", "様", "コト", "事", "モノ", "物", "トコロ", "所", "タメ", "為", "ソウ",
    "クダサル", "下サル", "イタダク", "頂ク", "オル", "ミル", "見ル", "イク", "行ク",
    "クル", "来ル", "ホシイ", "欲シイ", "イイ", "良イ", "ナイ", "無イ", "ドウ", "何", "ナン",
    "ナニ", "コノ", "ソノ", "アノ", "ドノ", "コレ", "ソレ", "アレ", "ドレ", "ミタイ", "モウ",
    "マダ", "トテモ", "スゴイ", "凄イ", "チョット", "ヤル", "遣ル", "ワカル", "分カル", "ツカウ",
    "モラウ", "貰ウ", "クレル", "呉レル", "ウチ", "内", "方", "オ", "ゴ", "御", "中", "的",
    "等", "ナド", "ツク", "就ク", "毎回", "今", "イマ", "人", "他", "ホカ", "上", "後", "前", "際", "場合",
    # Everyday verbs and nouns of a request (使う, 入れる, 考える, どこ ...): they say nothing
    # about the topic, but a colloquial query is full of them and they are rare in the
    # written case texts, so their idf would push real topic words out of the query.
    "使ウ", "入レル", "出ス", "取ル", "届ク", "考エル", "聞ク", "答エル", "進ム", "戻ル", "置ク",
    "行ウ", "持ツ", "付ケル", "付ク", "掛カル", "カカル", "困ル", "ドコ", "イツ", "ダレ", "誰", "ナゼ", "何度", "何回", "毎日", "毎年", "毎月", "毎週", "毎朝",
    "最近", "以前", "今後", "現在", "本来", "自分", "皆", "ミンナ", "全部", "大変", "心配",
    "方法", "必要", "相談", "事例", "感ジ", "形", "気", "感ジル", "オ願イ", "願ウ", "教エル",
    "一日中", "多イ", "少ナイ", "近ク", "年", "月", "日", "回", "件", "枚", "度", "時", "分",
}


def _is_kata(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == "ー"


def _is_hira(ch: str) -> bool:
    return "\u3041" <= ch <= "\u3096"


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _strip_long_vowels(s: str) -> str:
    """Drop the final ー of every katakana word of 3+ characters."""
    return re.sub(r"([\u30a1-\u30faー]{2,})ー(?![\u30a1-\u30fa])", r"\1", s)


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """Fold one token: NFKC, lower-case, hiragana -> katakana, final long vowel."""
    t = unicodedata.normalize("NFKC", token).lower()
    t = jaconv.hira2kata(t)
    return _strip_long_vowels(t)


def normalize(text: str) -> str:
    """Normalise free text the way the index sees it (NFKC, case, width, kana, long vowels)."""
    return fold(text or "")


# --------------------------------------------------------------------------- prepare


_VOICED = "\uff9e\uff9f\u3099\u309a"


# Characters that NFKC and lower-casing certainly leave alone (kana, CJK ideographs, lower-case
# ASCII, common Japanese punctuation); any other character is normalised on its own, and a
# voiced mark is joined to the character before it.
_UNSTABLE = re.compile(
    f"(?s:.)[{_VOICED}]+|[^\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff"
    "a-z0-9 \n\t、。「」『』・〇々]")


def _prepare(text: str, kana: bool) -> tuple[str, list[int], list[int]]:
    """NFKC/lower the text char by char; return (text, start offsets, end offsets)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    # Stretches of characters that normalisation leaves alone are copied as they are; only
    # the others (full-width, half-width kana, upper case ...) are normalised one by one.
    for m in _UNSTABLE.finditer(text):
        i, j = m.start(), m.end()
        if i > pos:
            out.append(text[pos:i])
            starts.extend(range(pos, i))
            ends.extend(range(pos + 1, i + 1))
        piece = unicodedata.normalize("NFKC", text[i:j]).lower()
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        pos = j
    if pos < len(text):
        out.append(text[pos:])
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    s = "".join(out)
    # Drop final long vowels of katakana words (length changes: rebuild the maps).
    keep = [True] * len(s)
    for m in re.finditer(r"[\u30a1-\u30faー]{2,}ー(?![\u30a1-\u30fa])", s):
        keep[m.end() - 1] = False
        ends[m.end() - 2] = ends[m.end() - 1]  # the kept vowel's span covers the dropped ー
    if not all(keep):
        s = "".join(c for c, k in zip(s, keep) if k)
        starts = [x for x, k in zip(starts, keep) if k]
        ends = [x for x, k in zip(ends, keep) if k]
    if kana:
        s = jaconv.hira2kata(s)
    else:
        # Hiragana words written with ー are loanwords (わーくふろー): fold them.
        s = re.sub(r"[\u3041-\u3096ー]*[\u3041-\u3096]ー[\u3041-\u3096ー]*",
                   lambda m: jaconv.hira2kata(m.group()), s)
    return s, starts, ends


# --------------------------------------------------------------------------- synonyms

_syn_lock = threading.Lock()
_syn_cache: dict[str, tuple] = {}


def _load_synonyms(path: str) -> tuple:
    table: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        words = [w.strip() for w in line.split(",") if w.strip()]
        if len(words) < 2:
            continue
        canon = _prepare(words[0], kana=False)[0]
        for w in words[1:]:
            v = _prepare(w, kana=False)[0]
            for form in {v, jaconv.hira2kata(v), jaconv.kata2hira(v)}:
                if form and form != canon and form not in table:
                    table[form] = canon
    for canon in set(table.values()):
        # The canonical word maps to itself, so that a variant that begins it (手書 of
        # 手書き) is not rewritten inside it (手書きき).
        table.setdefault(canon, canon)
    if not table:
        return None, table
    # One small alternation per first character, tried only where such a character occurs
    # (one big alternation tried at every position was a fifth of the indexing time).
    by_first: dict[str, list[str]] = {}
    for v in sorted(table, key=len, reverse=True):
        pat = re.escape(v)
        if _is_latin(v[0]):
            pat = r"(?<![a-z0-9])" + pat
        elif _is_kata(v[0]):
            pat = r"(?<![\u30a1-\u30faー])" + pat
        if _is_latin(v[-1]):
            pat += r"(?![a-z0-9])"
        elif _is_kata(v[-1]):
            pat += r"(?![\u30a1-\u30faー])"
        by_first.setdefault(v[0], []).append(pat)
    starts = re.compile("[" + "".join(re.escape(c) for c in by_first) + "]")
    matchers = {c: re.compile("|".join(pats)).match for c, pats in by_first.items()}
    return (starts, matchers), table


def _syn_matches(matcher, s: str):
    """Leftmost-longest, non-overlapping synonym matches in ``s``."""
    starts, matchers = matcher
    pos = 0
    for m in starts.finditer(s):
        i = m.start()
        if i < pos:
            continue
        hit = matchers[s[i]](s, i)
        if hit:
            pos = hit.end()
            yield hit


def _synonyms() -> tuple:
    path = os.environ.get("CONSULT_SYNONYMS", SYNONYMS_PATH)
    with _syn_lock:
        if path not in _syn_cache:
            _syn_cache[path] = _load_synonyms(path)
        return _syn_cache[path]


def reload_synonyms() -> None:
    """Forget the cached synonym table (the next analysis reads the file again)."""
    with _syn_lock:
        _syn_cache.clear()


def _apply_synonyms(s: str, starts: list[int], ends: list[int], kana: bool):
    matcher, table = _synonyms()
    if matcher is None:
        return s, starts, ends
    out, os_, oe = [], [], []
    pos = 0
    for m in _syn_matches(matcher, s):
        out.append(s[pos:m.start()])
        os_.extend(starts[pos:m.start()])
        oe.extend(ends[pos:m.start()])
        canon = table[m.group()]
        if kana:
            canon = jaconv.hira2kata(canon)
        out.append(canon)
        if canon == m.group():  # a canonical word itself: keep its offsets
            os_.extend(starts[m.start():m.end()])
            oe.extend(ends[m.start():m.end()])
        else:
            os_.extend([starts[m.start()]] * len(canon))
            oe.extend([ends[m.end() - 1]] * len(canon))
        pos = m.end()
    out.append(s[pos:])
    os_.extend(starts[pos:])
    oe.extend(ends[pos:])
    return "".join(out), os_, oe


# --------------------------------------------------------------------------- tokenisers

_local = threading.local()


def _sudachi():
    """The per-thread Sudachi tokenizer (mode C) and the split mode A constant."""
    tok = getattr(_local, "sudachi", None)
    if tok is None:
        from sudachipy import Dictionary, SplitMode

        tok = (Dictionary(dict="core").tokenizer(mode=SplitMode.C), SplitMode.A)
        _local.sudachi = tok
    return tok


def _chunks(s: str):
    """Split long text at sentence ends into pieces Sudachi accepts."""
    start = 0
    while start < len(s):
        end = min(len(s), start + _MAX_CHUNK)
        if end < len(s):
            cut = max(s.rfind("。", start, end), s.rfind("\n", start, end))
            if cut > start:
                end = cut + 1
        yield start, s[start:end]
        start = end


@lru_cache(maxsize=4096)
def _loanword_kata(run: str) -> int:
    """Length of the longest prefix of a hiragana run that is a katakana loanword, or 0."""
    tok, _ = _sudachi()
    for length in range(len(run), 2, -1):
        head = run[:length]
        ms = tok.tokenize(jaconv.hira2kata(head))
        if len(ms) == 1 and not ms[0].is_oov() and ms[0].part_of_speech()[0] == "名詞":
            if len(tok.tokenize(head)) > 1:
                return length
    return 0


def _fold_hiragana_loanwords(s: str) -> str:
    """Query side: えくせる -> エクセル when the katakana form is a dictionary noun."""
    def repl(m: re.Match) -> str:
        run = m.group()
        n = _loanword_kata(run[:12])
        return jaconv.hira2kata(run[:n]) + run[n:] if n else run
    # Not a run right after a kanji: that is okurigana and particles (読み上げるだけ must not
    # give ゲルダ, 交換はいつ頃 must not give ハイツ).
    return re.sub(r"(?<![\u3041-\u3096\u3400-\u9fff々〆ヶ])[\u3041-\u3096]{3,}", repl, s)


def _sudachi_units(s: str, query: bool, readings: bool):
    """Yield (term, start, end) over the prepared text using SudachiPy."""
    tok, mode_a = _sudachi()
    if query:
        s = _fold_hiragana_loanwords(s)
    for base, chunk in _chunks(s):
        for m in tok.tokenize(chunk):
            pos = m.part_of_speech()
            if pos[0] in _SKIP_POS or pos[1] == "数詞":
                continue
            surface = m.surface()
            b, e = base + m.begin(), base + m.end()
            norm = fold(m.normalized_form())
            if not norm.strip() or norm in _STOP:
                continue
            yield norm, b, e
            if readings and _is_latin(surface[0]) and len(surface) > 3:
                reading = fold(m.reading_form())
                if reading and reading != norm and pos[1] != "数詞":
                    yield reading, b, e
            if pos[0] != "名詞":
                continue  # the parts of verbs (受け+取る) are generic words
            parts = m.split(mode_a)
            if len(parts) > 1:
                for p in parts:
                    pn = fold(p.normalized_form())
                    # one-character parts (報告+書, 電子+化, 所属+長) carry no topic
                    if (len(pn) > 1 and pn != norm and pn not in _STOP
                            and p.part_of_speech()[0] not in _SKIP_POS):
                        yield pn, base + p.begin(), base + p.end()


_RUN = re.compile(r"[a-z0-9]+|[\u30a1-\u30faー]+|[\u3041-\u3096]+|[\u3400-\u9fff々〆ヶ]+")


def _bigram_units(s: str):
    """Yield (term, start, end): whole Latin words, bigrams inside Japanese script runs."""
    for m in _RUN.finditer(s):
        run, b = m.group(), m.start()
        if _is_latin(run[0]) or len(run) == 1:
            yield run, b, m.end()
            continue
        for i in range(len(run) - 1):
            yield run[i:i + 2], b + i, b + i + 2


# --------------------------------------------------------------------------- analyzers


class JapaneseAnalyzer(Analyzer):
    """Whoosh analyzer: normalisation + synonyms + Sudachi (``method='sudachi'``) or
    character bigrams (``method='bigram'``), offsets pointing into the original text."""

    def __init__(self, method: str = "sudachi", synonyms: bool = True, readings: bool = True):
        self.method = method
        self.synonyms = synonyms
        self.readings = readings

    def __eq__(self, other):
        return type(other) is type(self) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.__dict__.items()))))

    def units(self, value: str, mode: str = "index"):
        """Return the list of (term, original start, original end) for ``value``."""
        kana = self.method == "bigram"
        s, starts, ends = _prepare(value or "", kana=kana)
        if self.synonyms:
            s, starts, ends = _apply_synonyms(s, starts, ends, kana)
        if self.method == "bigram":
            raw = _bigram_units(s)
        else:
            raw = _sudachi_units(s, query=(mode == "query"), readings=self.readings)
        out = []
        for term, b, e in raw:
            if e <= b:
                continue
            out.append((term, starts[b], ends[e - 1]))
        return out

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos - 1
        for term, b, e in self.units(value, mode=mode):
            pos += 1
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[b:e]
            if positions:
                t.pos = pos
            if chars:
                t.startchar, t.endchar = start_char + b, start_char + e
            yield t


class BigramAnalyzer(JapaneseAnalyzer):
    """Character bigrams with the same normalisation and synonyms (for comparison)."""

    def __init__(self, synonyms: bool = True):
        super().__init__(method="bigram", synonyms=synonyms, readings=False)


def analyze_terms(analyzer: Analyzer, text: str) -> list[str]:
    """Query-side terms of ``text`` (in order, duplicates kept)."""
    return [t.text for t in analyzer(text or "", mode="query")]
