"""Loopback HTTP servers for the fetch tests: nothing in the tests touches the internet."""
import http.server
import threading
import time


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, without logging every request."""

    def log_message(self, *args):
        pass


class TrickleHandler(http.server.BaseHTTPRequestHandler):
    """Promises a megabyte and sends one byte every 0.1 s (or nothing at all under /silent/)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        self.wfile.flush()
        for _ in range(600):
            time.sleep(0.1)
            if self.path.startswith("/silent/"):
                continue
            try:
                self.wfile.write(b"\0")
                self.wfile.flush()
            except OSError:
                return

    def log_message(self, *args):
        pass


def serve(handler):
    """Start a loopback HTTP server in a thread; returns (base url, server). Call server.shutdown()."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
