"""A tiny reverse proxy run as its own process by the proxy tests: what nginx does in docs/deploy.md.

`python -m tests.proxy.revproxy LISTEN_PORT UPSTREAM_PORT` forwards every request to 127.0.0.1:UPSTREAM_PORT
and appends the client's address to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), sets
X-Forwarded-Proto, passes Host. Answers (also 3xx/4xx/5xx) are relayed unchanged.
"""
import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    upstream_port = 0

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        prior = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{prior}, {self.client_address[0]}" if prior else self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        self.send_response(resp.status, resp.reason)
        for key, value in resp.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_HEAD = _forward

    def log_message(self, *args):
        pass


def main() -> None:
    listen, upstream = int(sys.argv[1]), int(sys.argv[2])
    Handler.upstream_port = upstream
    server = ThreadingHTTPServer(("127.0.0.1", listen), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
