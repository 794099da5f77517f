"""The exports' scheduled jobs (`flask --app app jobs run`): run waiting background exports, remove expired files.

`exports work` (its own service, docs/deploy.md) normally picks exports up within seconds; this is the fallback
where only the `jobs run` timer is installed, and the clean-up of files past CONSULT_EXPORT_KEEP_DAYS."""
from datetime import datetime

from consult.jobs import register

from . import exportjobs


@register("reports.export_work", "件数の多い書き出し（順番待ち）を作る（exports work が動いていないときの代わり）")
def export_work(now: datetime) -> str:
    """Run the queued background exports (claims are safe beside `exports work` on any host)."""
    counts = exportjobs.work()
    return f"完了 {counts['done']}件、失敗 {counts['failed']}件、他の処理に引き継ぎ {counts['lost']}件"


@register("reports.export_expire", "保存期間を過ぎた書き出しファイルを削除する")
def export_expire(now: datetime) -> str:
    """Remove the files of exports past their keeping time."""
    return f"削除 {exportjobs.expire(now)}件"
