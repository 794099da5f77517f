"""The approved actions, run by `flask --app app jobs run`: disposals, transfer packages, disposal after receipt."""
from sqlalchemy import select

from consult import audit
from models import RecordRetention, db, utcnow

from . import disposal, schedule, service, transfer


def run() -> str:
    """Carry out every approved action whose 保存期間 has ended (held records are skipped); returns a summary."""
    today = schedule.today()
    rows = {row.ticket_id: row for _, row in service.pending(("approved", "confirmed"))}
    rets = list(db.session.scalars(select(RecordRetention).where(
        RecordRetention.state.in_(("approved", "confirmed")), RecordRetention.held.is_(False))
        .order_by(RecordRetention.ticket_id).execution_options(populate_existing=True)))
    ready = [ret for ret in rets if ret.ticket_id in rows and (ret.state == "confirmed"
                                                                or schedule.is_due(rows[ret.ticket_id].expiry, today))]
    disposed = packaged = 0
    to_package = [ret.ticket_id for ret in ready if ret.state == "approved" and ret.action == "transfer"]
    if to_package:
        name, _ = transfer.build_package(to_package)
        for ticket_id in to_package:
            ret = db.session.get(RecordRetention, ticket_id)
            ret.state, ret.package_name, ret.updated_at = "packaged", name, utcnow()
            audit.record("record.transferred", "ticket", ticket_id, None, after={"package": name})
        db.session.commit()
        packaged = len(to_package)
    for ret in ready:
        if ret.state == "approved" and ret.action != "transfer" or ret.state == "confirmed":
            package = None
            if ret.state == "confirmed" and ret.package_name:
                package = (ret.package_name, _sha256(ret.package_name))
            disposal.dispose(ret.ticket_id, package=package)
            disposed += 1
    return f"公文書: 廃棄 {disposed}件、移管パッケージ作成 {packaged}件"


def _sha256(name: str) -> str | None:
    """SHA-256 of a package file (None when it is no longer there)."""
    import hashlib

    try:
        return hashlib.sha256(transfer.package_path(name).read_bytes()).hexdigest()
    except (OSError, ValueError):
        return None
