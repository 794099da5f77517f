"""Second factor: TOTP (RFC 6238) with single-use hashed recovery codes; replayed and expired codes are refused."""
import hashlib
import secrets
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from consult.audit import record
from consult.errors import DomainError
from models import RecoveryCode, User, db, utcnow

RECOVERY_CODES = 10
STEP = 30
WINDOW = 1  # one step either side for clock drift; older codes are expired
CODE_WRONG = "確認コードが正しくないか、有効期限が切れています。認証アプリの最新の6桁を入力してください"


class SecondFactorError(DomainError):
    """A wrong, replayed or expired code, or a step not allowed."""

    status = 422


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI for authenticator apps."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.login, issuer_name=current_app.config["CONSULT_TOTP_ISSUER"])


def qr_svg(user: User) -> Markup:
    """The QR code of the provisioning URI as inline SVG (drawn here, nothing fetched from elsewhere)."""
    svg = segno.make(provisioning_uri(user), error="m").svg_inline(scale=5, title="認証アプリに登録するQRコード")
    return Markup(svg)  # noqa: S704 -- SVG drawn by segno from our own URI, no user markup


def begin_enrolment(user: User) -> str:
    """Give the user a new secret to enrol (kept until confirmed); returns it."""
    if user.totp_enabled_at is not None:
        raise SecondFactorError("2段階認証はすでに設定済みです")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
        db.session.commit()
    return user.totp_secret


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code equals `code` within the window, or None."""
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _accept_totp(user: User, code: str) -> bool:
    """Accept a TOTP code once: a step at or before the last accepted one is a replay."""
    step = _matching_step(user.totp_secret or "", code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _new_recovery_codes(user: User) -> list[str]:
    """Revoke the old recovery codes and add ten new ones (hashed); returns the plain codes to show once."""
    now = utcnow()
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                              RecoveryCode.used_at.is_(None),
                                                              RecoveryCode.revoked_at.is_(None))):
        old.revoked_at = now
    codes = [f"{secrets.token_hex(5)}-{secrets.token_hex(5)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))
    return codes


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the second factor on once the app shows a right code; returns the ten recovery codes."""
    if user.totp_enabled_at is not None or not user.totp_secret:
        raise SecondFactorError("登録をやり直してください（QRコードの画面を開き直してください）")
    if not _accept_totp(user, code):
        db.session.commit()
        raise SecondFactorError(CODE_WRONG)
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    record("user.totp_enabled", "user", user.id, actor=user)
    db.session.commit()
    return codes


def _code_hash(code: str) -> str:
    """SHA-256 of a recovery code: the codes are 80 random bits, so a slow password hash adds nothing but
    ten argon2 runs per enrolment (a fast hash of a high-entropy secret cannot be guessed offline either)."""
    return "sha256:" + hashlib.sha256(code.encode()).hexdigest()


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend a matching unused recovery code."""
    code = (code or "").strip().lower()
    if len(code) != 21 or code[10] != "-":
        return False
    candidate = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
        RecoveryCode.used_at.is_(None), RecoveryCode.revoked_at.is_(None)))
    if candidate is None:
        return False
    candidate.used_at = utcnow()
    record("user.recovery_code_used", "user", user.id, actor=user)
    return True


def verify(user: User, code: str) -> str:
    """Check a sign-in code: 'totp' or 'recovery' when accepted, else SecondFactorError (the caller counts it)."""
    if user.totp_enabled_at is None:
        raise SecondFactorError("2段階認証が設定されていません")
    if _accept_totp(user, code):
        db.session.commit()
        return "totp"
    if _use_recovery_code(user, code):
        db.session.commit()
        return "recovery"
    raise SecondFactorError(CODE_WRONG)


def remaining_recovery_codes(user: User) -> int:
    """How many unused recovery codes the user has."""
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.revoked_at.is_(None))).all())


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes after a right TOTP code (the old ones stop working)."""
    if user.totp_enabled_at is None:
        raise SecondFactorError("2段階認証が設定されていません")
    if not _accept_totp(user, code):
        db.session.commit()
        raise SecondFactorError(CODE_WRONG)
    codes = _new_recovery_codes(user)
    record("user.recovery_codes_renewed", "user", user.id, actor=user)
    db.session.commit()
    return codes


def _clear(user: User) -> None:
    """Forget the secret and revoke the recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    now = utcnow()
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.revoked_at.is_(None),
                                                             RecoveryCode.used_at.is_(None))):
        old.revoked_at = now


def disable_own(user: User, code: str, required: bool) -> None:
    """A user turns the optional second factor off (after a right code); required roles cannot."""
    if required:
        raise SecondFactorError("DX担当と管理者は2段階認証を解除できません")
    if user.totp_enabled_at is None:
        raise SecondFactorError("2段階認証が設定されていません")
    if not _accept_totp(user, code):
        db.session.commit()
        raise SecondFactorError(CODE_WRONG)
    _clear(user)
    record("user.totp_disabled", "user", user.id, actor=user)
    db.session.commit()


def admin_reset(user: User, reason: str, actor: User) -> None:
    """An admin resets a user's second factor (lost phone): enrolment again at the next sign-in; audited with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise SecondFactorError("リセットする理由を入力してください")
    if len(reason) > 200:
        raise SecondFactorError("理由は200文字以内にしてください")
    had = user.totp_enabled_at is not None
    _clear(user)
    user.session_token = secrets.token_hex(16)  # signed-in sessions of that user end
    record("user.totp_reset", "user", user.id, actor=actor, before={"enabled": had}, after={"enabled": False, "reason": reason})
    db.session.commit()
