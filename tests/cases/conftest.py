"""Fixtures of the knowledge-base tests: a small case file imported through the real importer."""
from pathlib import Path

import pytest

from tests import factories

DATA = Path(__file__).parent / "data" / "cases.jsonl"


@pytest.fixture
def imported(app):
    """The ten fixture cases, published and indexed (with their categories)."""
    from consult.cases import importer

    for name in ("集計・データ処理", "文書作成", "申請・届出", "業務の見直し", "窓口・問い合わせ"):
        factories.make_category(name)
    assert importer.import_file(DATA) == 10
    return DATA


@pytest.fixture
def resolved_ticket(users):
    """A resolved ticket of the requester, handled by DX staff, with personal details in it."""
    return factories.make_ticket(
        requester=users["requester"], status="resolved", main_handler=users["dx_staff"],
        title="出張旅費の計算を楽にしたい",
        purpose="職員の出張旅費を正しく支給するため",
        current_process="人事課の田中さん（内線2214）に運賃を確認してから電卓で計算している",
        problem="毎月50件あり、計算の確認に時間がかかる。山田 花子が担当している。",
        root_cause="運賃表と日当の規程が紙でしか管理されていなかった",
        resolution_type="ツール導入",
        resolution_summary="運賃と日当をExcelの表にまとめ、マクロで精算額を自動計算するようにした",
        hours_saved_per_year=150,
        contains_personal_info=True,
    )
