"""A local origin server on 127.0.0.1 for the tests that fetch: each path answers what the test
set for it (status, headers, body), and every request is recorded."""

import socketserver
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output for failures
        pass

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        status, headers, body = self.server.routes.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"not here")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LoopbackServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 for tests: every fake site or provider is one of these."""

    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind asks for the host's full name, a DNS lookup tests refuse.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Origin(LoopbackServer):
    def page(self, path, body, *, status=200, content_type="text/html; charset=utf-8", **headers):
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, body)

    def url(self, path, host="news.example"):
        """The address a citation gives: a public-looking name, on this server's port."""
        return f"http://{host}:{self.server_port}{path}"


@contextmanager
def serving():
    httpd = Origin(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def to_loopback(host, port):
    """A resolver that answers every name with this machine, as a stub DNS would."""
    return ["127.0.0.1"]
