"""WSGI entry of the proxy tests: the real app with the cheap test password hasher and without CSRF
(so that dozens of login posts stay fast); everything else, ProxyFix included, as in production.
A moving window for the limits: with the default fixed window, 31 posts that straddle a minute boundary
would start a new count half-way (a flaky test on a busy machine)."""
from consult import create_app

app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_STRATEGY": "moving-window"})
