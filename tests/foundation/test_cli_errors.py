"""Every command reports a broken business rule as one Japanese line on stderr and exit status 1, no traceback."""
import json

import pytest


@pytest.mark.parametrize("args", [
    ["departments", "add", "bad code!", "名前"],
    ["users", "set-role", "nobody", "admin"],
    ["users", "deactivate", "nobody"],
    ["cases", "export", "/nonexistent-folder/cases.jsonl"],
])
def test_domain_errors_end_the_command_with_one_japanese_line(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert result.output.startswith("エラー: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output


def test_an_import_file_error_names_the_line(runner, tmp_path):
    path = tmp_path / "cases.jsonl"
    good = {"id": "X-1", "title": "題", "problem": "困りごと", "solution": "解決"}
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    result = runner.invoke(args=["cases", "import", str(path)])
    assert result.exit_code == 1 and "エラー: " in result.output and ":2" in result.output, result.output
