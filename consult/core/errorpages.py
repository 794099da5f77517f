"""The Japanese error pages: every HTTP error, domain error and database outage answered with a page (or JSON for
a client that asked for it), never a stack trace."""
from flask import Flask, g, jsonify, render_template
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from consult.errors import DomainError

from .negotiation import wants_json

ERROR_TITLES = {
    400: "リクエストを処理できませんでした",
    401: "ログインが必要です",
    403: "このページを表示する権限がありません",
    404: "ページが見つかりません",
    405: "この操作はできません",
    409: "ほかの人が先に更新しました",
    410: "保存期間を過ぎました",
    413: "ファイルが大きすぎます",
    429: "操作が多すぎます",
    500: "システムエラーが発生しました",
    503: "ただいま混み合っています",
}
ERROR_HINTS = {
    400: "入力内容や操作をもう一度確認してください。前の画面に戻ってやり直すことができます。",
    403: "必要な権限がない可能性があります。必要な場合は管理者にお問い合わせください。",
    404: "URLが正しいか確認してください。削除されたか、表示する権限のないページの可能性があります。",
    405: "画面のボタンやリンクから操作してください。",
    413: "添付ファイルの合計サイズが上限を超えています。ファイルを小さくするか分けて送ってください。",
    429: "しばらく待ってからもう一度お試しください。",
    500: "時間をおいてもう一度お試しください。解決しない場合はDX推進担当にお知らせください。",
    503: "時間をおいてもう一度お試しください。",
}
DATABASE_UNAVAILABLE = ("ただいまデータベースに接続できないか、処理が混み合っています。入力した内容は保存されていない可能性があります。"
                        "少し時間をおいてから、もう一度お試しください。")


def render_error(code: int, message: str | None = None):
    """Render the Japanese error page (or JSON) for an HTTP status."""
    title = ERROR_TITLES.get(code, "エラーが発生しました")
    hint = message or ERROR_HINTS.get(code, "")
    if wants_json():
        return jsonify(error=title, message=hint), code
    return render_template("errors/error.html", code=code, title=title, hint=hint), code


def register_error_handlers(app: Flask) -> None:
    """Answer every HTTP error with a Japanese page and never a stack trace."""

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        code = exc.code or 500
        if code == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            return render_error(400, "画面の有効期限が切れたか、不正な送信です。画面を読み込み直してからもう一度送信してください。")
        return render_error(code)

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        return render_error(exc.status, exc.message)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.DisconnectionError)
    @app.errorhandler(sa_exc.TimeoutError)
    def handle_database_unavailable(exc: Exception):
        """Database down, unreachable or locked: a Japanese 503 that needs no database to render."""
        app.logger.warning("database unavailable: %s", type(exc).__name__)
        _forget_user_and_rollback()
        response, code = render_error(503, DATABASE_UNAVAILABLE)
        response = app.make_response((response, code))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return render_error(500)


def _forget_user_and_rollback() -> None:
    """After a database failure: render as anonymous (loading the user would fail again) and reset the session."""
    from models import db

    from .extensions import login_manager

    g._login_user = login_manager.anonymous_user()
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: the pool replaces it (pool_pre_ping) on the next request
        db.session.close()
