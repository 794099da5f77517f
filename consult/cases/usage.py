"""Usage figures that cannot be forged (audit finding 10).

- Intake tokens are issued by the 相談する form and signed for the person (HMAC with the secret key), so a
  suggestion click (`from=suggest&token=…`) counts only with a token the form really gave this person, and only
  once per token and case.
- A case view counts once per person and case within 24 hours, decided on the server from the audit log
  (`case.viewed` events), not from the client's cookie.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update as sql_update

from consult.audit import record
from models import AuditEvent, Case, SuggestionClick, db, utcnow

VIEW_WINDOW = timedelta(hours=24)


def _signature(user_id, nonce: str) -> str:
    key = (current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, f"intake:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()[:24]


def issue_intake_token(user) -> str:
    """A new token for the intake form of `user`: 32 hex characters, '-', a 24-hex signature (57 characters)."""
    nonce = secrets.token_hex(16)
    return f"{nonce}-{_signature(getattr(user, 'id', None), nonce)}"


def token_is_issued(user, token: str | None) -> bool:
    """Whether `token` was issued by the intake form to `user`."""
    if not token or len(token) != 57 or token[32] != "-":
        return False
    nonce, signature = token[:32], token[33:]
    return hmac.compare_digest(signature, _signature(getattr(user, "id", None), nonce))


def record_click(user, case: Case, token: str | None) -> bool:
    """Count a suggested case opened from the intake form: valid token, once per token and case."""
    if not token_is_issued(user, token):
        return False
    seen = db.session.scalar(select(SuggestionClick.id).where(SuggestionClick.intake_token == token,
                                                              SuggestionClick.case_id == case.id).limit(1))
    if seen is not None:
        return False
    db.session.add(SuggestionClick(user_id=user.id, case_id=case.id, intake_token=token))
    db.session.commit()
    return True


def count_view(user, case: Case) -> bool:
    """Add one view of a published case unless this person viewed it within VIEW_WINDOW (audited)."""
    if case.status != "published" or getattr(user, "id", None) is None:
        return False
    recent = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.object_type == "case", AuditEvent.object_id == case.id, AuditEvent.action == "case.viewed",
        AuditEvent.actor_id == user.id, AuditEvent.created_at >= utcnow() - VIEW_WINDOW).limit(1))
    if recent is not None:
        return False
    db.session.execute(sql_update(Case).where(Case.id == case.id).values(view_count=Case.view_count + 1)
                       .execution_options(synchronize_session=False))
    record("case.viewed", "case", case.id, actor=user)
    db.session.commit()
    return True
