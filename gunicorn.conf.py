"""gunicorn settings for production: `make serve` or `gunicorn -c gunicorn.conf.py app:app`."""
import multiprocessing
import os

bind = os.environ.get("CONSULT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CONSULT_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("CONSULT_THREADS", "1"))
timeout = int(os.environ.get("CONSULT_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("CONSULT_MAX_REQUESTS", "2000"))  # recycle workers now and then
max_requests_jitter = 200
preload_app = False  # each worker opens its own database pool and search index
accesslog = None  # the app logs one JSON line per request (consult/ops/logs.py)
errorlog = "-"
loglevel = os.environ.get("CONSULT_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("CONSULT_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse memory:// rate limits with several workers before forking them (clear message)."""
    from consult.core.config import from_env
    from consult.ops.cluster import check_rate_limit_storage

    check_rate_limit_storage(from_env(), workers=server.cfg.workers)


def post_worker_init(worker):
    """Load the search analyzer, word table and index before the worker takes requests (its first
    search would otherwise take seconds: a new host behind the balancer, or a recycled worker)."""
    app = worker.wsgi
    if hasattr(app, "app_context"):
        from consult.search import warm_up

        with app.app_context():
            warm_up()
