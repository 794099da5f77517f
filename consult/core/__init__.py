"""The application's infrastructure, apart from the domain: configuration (`config`), Flask extensions
(`extensions`), HTTP wiring and security headers (`web`), template helpers (`templating`), the Japanese error pages
(`errorpages`), content negotiation (`negotiation`) and CLI plumbing (`clitools`).

Domain packages import from here; nothing here imports a domain package at import time (the blueprints are
mounted inside `web.init_app`)."""
