"""`cases import` / `cases export`: round trip, updates by ref, bad lines named by file:line, all or nothing."""
import json

from sqlalchemy import func, select

from consult.cases import importer
from consult.search import query, sync
from models import Case, CaseRevision, db

from .conftest import DATA


def count_cases() -> int:
    """Number of cases in the database."""
    return db.session.scalar(select(func.count()).select_from(Case))


def test_import_indexes_and_export_round_trips(runner, imported, tmp_path):
    assert count_cases() == 10
    hits = query.search(sync.get_index(), "チャットボット", limit=5).hits
    assert hits[0].ref == "TC-005"
    out = tmp_path / "export.jsonl"
    result = runner.invoke(args=["cases", "export", str(out)])
    assert result.exit_code == 0, result.output
    original = {json.loads(line)["id"]: json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()}
    exported = {json.loads(line)["id"]: json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()}
    assert exported == original


def test_reimport_updates_by_ref(runner, imported, tmp_path):
    changed = tmp_path / "changed.jsonl"
    record = json.loads(DATA.read_text(encoding="utf-8").splitlines()[1])
    record.update(title="会議録の作成を音声認識とAI要約で効率化", unknown_key="ignored")
    changed.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(args=["cases", "import", str(changed)])
    assert result.exit_code == 0, result.output
    assert count_cases() == 10
    case = db.session.scalar(select(Case).where(Case.ref == "TC-002"))
    assert case.title == "会議録の作成を音声認識とAI要約で効率化"
    assert db.session.scalar(select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case.id)) == 2
    assert query.search(sync.get_index(), "AI要約", limit=3).hits[0].ref == "TC-002"


def test_malformed_line_stores_nothing(runner, app, tmp_path):
    lines = DATA.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines[:3] + ['{"id": "X-1", "title": "壊れた行"'] + lines[3:]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["cases", "import", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}:4:" in result.output and len(result.output.strip().splitlines()) == 1
    assert count_cases() == 0


def test_missing_required_key_names_file_and_line(runner, app, tmp_path):
    bad = tmp_path / "missing.jsonl"
    bad.write_text('{"id": "A-1", "title": "件名", "problem": "p", "solution": "s"}\n\n'
                   '{"id": "A-2", "problem": "p", "solution": "s"}\n', encoding="utf-8")
    result = runner.invoke(args=["cases", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.output and "title" in result.output
    assert count_cases() == 0


def test_wrong_types_are_errors(app, tmp_path):
    for record, word in [({"tools": "x", "hours_saved_per_year": "多い"}, "hours_saved_per_year"),
                         ({"resolution_type": "対応不可"}, "resolution_type"),
                         ({"tags": [{"a": 1}]}, "tags")]:
        bad = tmp_path / "types.jsonl"
        base = {"id": "B-1", "title": "件名", "problem": "p", "solution": "s"}
        bad.write_text(json.dumps({**base, **record}, ensure_ascii=False) + "\n", encoding="utf-8")
        try:
            importer.import_file(bad)
        except importer.ImportFileError as exc:
            assert ":1:" in exc.message and word in exc.message
        else:
            raise AssertionError(f"{record} was accepted")
    assert count_cases() == 0


def test_missing_file_is_one_line_error(runner, app, tmp_path):
    result = runner.invoke(args=["cases", "import", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1 and "ファイルが見つかりません" in result.output
