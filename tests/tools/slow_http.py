#!/usr/bin/env python3
"""A threading HTTP server for the crawler test: GET /N answers "page N" padded to N bytes after a
delay (argv[1] seconds), so that a serial fetch of many pages is slow and a concurrent one is not.
Prints "port P" once it listens on 127.0.0.1 (any free port)."""
import http.server
import sys
import time

DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(DELAY)
        try:
            n = int(self.path.lstrip("/"))
        except ValueError:
            self.send_error(404)
            return
        body = (b"page %d\n" % n).ljust(max(n, 8), b".")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # 100 clients connect at once: no SYN retries


srv = Server(("127.0.0.1", 0), Handler)
print("port %d" % srv.server_address[1], flush=True)
srv.serve_forever()
