"""Writing the audit log: every service that changes a record calls `record` before it commits."""
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request

from models import AuditEvent, db


def _plain(value):
    """Turn a column value into something JSON can store."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj, fields) -> dict:
    """Return the named attributes of `obj` as a JSON-ready dict."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the keys whose value changed."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def record(action: str, object_type: str, object_id: int | None, actor=None, before=None, after=None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        ip=ip,
    )
    db.session.add(event)
    return event


def apply_changes(obj, values: dict, action: str, object_type: str, actor=None) -> dict:
    """Set `values` on `obj` and record the fields that really changed (no event when none did)."""
    before = snapshot(obj, values)
    for name, value in values.items():
        setattr(obj, name, value)
    old, new = diff(before, snapshot(obj, values))
    if new:
        record(action, object_type, obj.id, actor=actor, before=old, after=new)
    return new
