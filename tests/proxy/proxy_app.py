"""WSGI entry of the proxy tests: the real app with the cheap test password hasher and without CSRF
(so that dozens of login posts stay fast); everything else, ProxyFix included, as in production."""
from consult import create_app

app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
