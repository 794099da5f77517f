"""Password hashing (argon2id) and the password policy."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_hasher = PasswordHasher()
# Tests only: the same algorithm with minimal cost, so hundreds of logins stay fast.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# A hash of a random string per hasher, verified when the login id is unknown so timing does not reveal it
# (argon2 verifies with the parameters of the hash: the test hasher needs a cheap one of its own).
_DUMMY_HASHES = {h: h.hash("consult-dummy-password-for-timing") for h in (_hasher, _test_hasher)}


def _current_hasher() -> PasswordHasher:
    """The production hasher, or the cheap one when the app is under test."""
    return _test_hasher if has_app_context() and current_app.testing else _hasher


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _current_hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash (constant work even without a hash)."""
    try:
        hasher = _current_hasher()
        return hasher.verify(password_hash or _DUMMY_HASHES[hasher], password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def policy_problems(password: str, login: str, min_length: int) -> list[str]:
    """List what is wrong with a new password, in Japanese (empty when it is acceptable)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"パスワードは{min_length}文字以上にしてください")
    if login and login.lower() in password.lower():
        problems.append("パスワードにログインIDを含めないでください")
    if len(set(password)) < 4:
        problems.append("同じ文字の繰り返しなど、推測されやすいパスワードは使えません")
    return problems
