"""Faults a real Flink cannot be made to produce on cue, for the integration tests.

Usage: fault_server.py MODE [UPSTREAM_URL]   (prints the loopback port it listens on, then serves)

  hang               accepts, reads the request, never answers
  reset              accepts and resets the connection (RST)
  garbage            answers with bytes that are not HTTP
  headers-then-hang  sends a 200 head announcing a body, then stalls
  lose-run-answer    proxies to UPSTREAM (a real Flink); forwards POST /jars/:id/run, lets Flink
                     act on it, then never answers: a lost answer
  delete-jar-first   proxies to UPSTREAM; before forwarding the first POST /jars/:id/run it deletes
                     that jar on Flink, as a JobManager restart would between lookup and run

It stops by itself after 10 minutes, so a crashed test run never leaves it behind.
"""
import http.server
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.error
import urllib.request

MODE = sys.argv[1]
UPSTREAM = sys.argv[2].rstrip("/") if len(sys.argv) > 2 else None
deleted_once = threading.Event()
LIFETIME_SECONDS = 600


def forward(method, path, body, headers):
    request = urllib.request.Request(UPSTREAM + path, data=body, method=method)
    for name in ("Content-Type",):
        if headers.get(name):
            request.add_header(name, headers[name])
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "application/json")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), "application/json"


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        is_run = self.command == "POST" and self.path.startswith("/jars/") and self.path.endswith("/run")
        if is_run and MODE == "delete-jar-first" and not deleted_once.is_set():
            deleted_once.set()
            jar_id = self.path.split("/")[2]
            forward("DELETE", "/jars/" + jar_id, None, {})
        status, payload, content_type = forward(self.command, self.path, body, self.headers)
        if is_run and MODE == "lose-run-answer":
            time.sleep(LIFETIME_SECONDS)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = handle_any


class RawFaults(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        conn.settimeout(5)
        try:
            conn.recv(65536)
        except OSError:
            pass
        if MODE == "hang":
            time.sleep(LIFETIME_SECONDS)
        elif MODE == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        elif MODE == "garbage":
            conn.sendall(b"\x00\x13garbage that is not HTTP\r\n\r\n\xff\xfe")
            conn.close()
        elif MODE == "headers-then-hang":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(LIFETIME_SECONDS)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    # The test process may spawn us with SIGTERM blocked (an inherited signal mask); unblock it so
    # the test can stop us by PID.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    handler = Proxy if MODE in ("lose-run-answer", "delete-jar-first") else RawFaults
    server = Server(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    threading.Timer(LIFETIME_SECONDS, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
