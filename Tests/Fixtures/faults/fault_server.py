"""Faults a real Flink cannot be made to produce on cue, for the integration tests.

Usage: fault_server.py MODE [UPSTREAM_URL]   (prints the loopback port it listens on, then serves)

  hang               accepts, reads the request, never answers
  reset              accepts and resets the connection (RST)
  garbage            answers with bytes that are not HTTP
  headers-then-hang  sends a 200 head announcing a body, then stalls
  drip               answers 200 with a JSON body, one byte a second
  html-502, html-503 answers every request with that status and an HTML page, as a gateway does
  reset-upload       proxies to UPSTREAM; reads half of the first POST /jars/upload, then resets
  kill-before-run    proxies to UPSTREAM; before forwarding the first POST /jars/:id/run it runs
                     $FAULT_HOOK (a shell command: the test's kill of the real JobManager)
  kill-during-run    the same, but runs $FAULT_HOOK once the run request is on its way to Flink
                     (Chunjun's Main is then compiling the job in the JobManager)
  slow-upload        proxies to UPSTREAM; reads uploads at 8 KiB a second (a submitter stays
                     in the middle of its upload long enough to be killed there)
  lose-run-answer    proxies to UPSTREAM (a real Flink); forwards POST /jars/:id/run, lets Flink
                     act on it, then never answers: a lost answer
  delete-jar-first   proxies to UPSTREAM; before forwarding the first POST /jars/:id/run it deletes
                     that jar on Flink, as a JobManager restart would between lookup and run
  record             proxies to UPSTREAM and appends one JSON line per exchange to $RECORD_FILE:
                     method, path, the top-level fields of a JSON request body and of the answer,
                     the status (what a version's REST API was sent and gave back)
  echo-run           a stand-in Flink 1.20.3 (GET /config, GET /jobs/:id → 404, GET /jars, upload)
                     that answers every POST /jars/:id/run with a 500 whose trace echoes the request
                     body raw and URL-decoded, as Flink does when Chunjun's Main fails on its arguments

It stops by itself after 10 minutes, so a crashed test run never leaves it behind.
"""
import http.client
import http.server
import json
import os
import subprocess
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

# Imported by echo-flink/bin/flink for job_values: only the server reads the command line.
SERVING = __name__ == "__main__"
MODE = sys.argv[1] if SERVING else None
UPSTREAM = sys.argv[2].rstrip("/") if SERVING and len(sys.argv) > 2 else None
deleted_once = threading.Event()
hooked_once = threading.Event()
PROXY_MODES = ("record", "lose-run-answer", "delete-jar-first", "reset-upload", "kill-before-run", "kill-during-run", "slow-upload")
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


record_lock = threading.Lock()


def fields(content_type, data):
    """The top-level field names of a JSON object body; None for anything else."""
    if not data or "json" not in content_type:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return sorted(value) if isinstance(value, dict) else None


def record(method, path, content_type, body, status, payload):
    line = json.dumps({"method": method, "path": path, "status": status,
                       "request": fields(content_type, body),
                       "requestBytes": len(body or b""),
                       "answer": fields("json", payload)})
    with record_lock, open(os.environ["RECORD_FILE"], "a") as f:
        f.write(line + "\n")


class Answering(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, payload, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class Proxy(Answering):

    def reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def read_slowly(self, length):
        body = b""
        while len(body) < length:
            chunk = self.rfile.read(min(8192, length - len(body)))
            if not chunk:
                break
            body += chunk
            time.sleep(1)
        return body

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        is_upload = self.command == "POST" and self.path == "/jars/upload"
        if is_upload and MODE == "reset-upload":
            self.rfile.read(length // 2)
            self.reset()
            return
        if is_upload and MODE == "slow-upload":
            body = self.read_slowly(length)
            if len(body) < length:
                # The submitter died mid-upload: Flink, too, would see a broken request and store nothing.
                self.close_connection = True
                return
        else:
            body = self.rfile.read(length) if length else None
        is_run = self.command == "POST" and self.path.startswith("/jars/") and self.path.endswith("/run")
        if is_run and MODE == "delete-jar-first" and not deleted_once.is_set():
            deleted_once.set()
            jar_id = self.path.split("/")[2]
            forward("DELETE", "/jars/" + jar_id, None, {})
        hook = is_run and MODE in ("kill-before-run", "kill-during-run") and not hooked_once.is_set()
        if hook:
            hooked_once.set()
        if hook and MODE == "kill-before-run":
            subprocess.run(os.environ["FAULT_HOOK"], shell=True, check=False)
        if hook and MODE == "kill-during-run":
            # The whole request reaches Flink first; the JobManager dies while it works on it
            # (running Chunjun's Main takes it far longer than the hook's kill -9).
            upstream = urllib.parse.urlsplit(UPSTREAM)
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
            try:
                connection.request(self.command, self.path, body=body,
                                   headers={"Content-Type": self.headers.get("Content-Type") or "application/json"})
                subprocess.run(os.environ["FAULT_HOOK"], shell=True, check=False)
                response = connection.getresponse()
                status, payload, content_type = response.status, response.read(), response.headers.get("Content-Type", "application/json")
            except OSError:
                self.reset()
                return
            self.answer(status, payload, content_type)
            return
        try:
            status, payload, content_type = forward(self.command, self.path, body, self.headers)
        except OSError:
            # The JobManager is gone: its clients see the connection die, so ours does too.
            self.reset()
            return
        if is_run and MODE == "lose-run-answer":
            time.sleep(LIFETIME_SECONDS)
            return
        if MODE == "record":
            record(self.command, self.path, self.headers.get("Content-Type") or "", body, status, payload)
        self.answer(status, payload, content_type)

    do_GET = do_POST = do_PATCH = do_DELETE = handle_any


def job_values(args):
    """Every string in the sync job of `-job`, decoded as Chunjun reads it: an error that quotes a
    value (a rejected password, a URL) shows it in its raw form."""
    if "-job" not in args[:-1]:
        return ""
    try:
        job = json.loads(urllib.parse.unquote_plus(args[args.index("-job") + 1]))
    except ValueError:
        return ""
    found = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.append(value)
    walk(job)
    return ", ".join(found)


class EchoFlink(Answering):
    JAR_ID = "0f1e2d3c-echo_chunjun-core.jar"

    def answer_json(self, status, value):
        self.answer(status, json.dumps(value).encode())

    def read_body(self):
        # The upload streams from disk, so it may come chunked.
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        body = self.read_body()
        path = self.path.split("?")[0]
        if self.command == "GET" and path == "/config":
            self.answer_json(200, {"flink-version": "1.20.3", "features": {"web-submit": True}})
        elif self.command == "GET" and path.startswith("/jobs/"):
            self.answer_json(404, {"errors": ["Job could not be found."]})
        elif self.command == "GET" and path == "/jars":
            self.answer_json(200, {"address": "http://localhost", "files": []})
        elif self.command == "POST" and path == "/jars/upload":
            self.answer_json(200, {"status": "success", "filename": "/tmp/flink-web-upload/" + self.JAR_ID})
        elif self.command == "POST" and path.startswith("/jars/") and path.endswith("/run"):
            raw = body.decode("utf-8", "replace")
            # Java's URLDecoder, as Chunjun's Main applies it to -job: '+' is a space.
            decoded = urllib.parse.unquote_plus(raw)
            try:
                args = json.loads(raw).get("programArgsList") or []
            except ValueError:
                args = []
            trace = ("org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: "
                     "cannot run the job " + decoded + "\n\tat org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:373)"
                     "\nCaused by: java.lang.IllegalArgumentException: cannot run the job " + raw + " values " + job_values(args)
                     + " decoded " + decoded + "\n\tat com.dtstack.chunjun.Main.main(Main.java:78)\n")
            self.answer_json(500, {"errors": ["Internal server error.", "<Exception on server side:\n" + trace + "\nEnd of exception on server side>"]})
        else:
            self.answer_json(404, {"errors": ["Not found: " + path]})

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
        elif MODE == "drip":
            body = json.dumps({"flink-version": "1.20.3", "features": {"web-submit": True}}).encode()
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            try:
                for byte in head + body:
                    conn.sendall(bytes([byte]))
                    time.sleep(1)
            except OSError:
                pass
        elif MODE in ("html-502", "html-503"):
            status = MODE[-3:]
            reason = {"502": "Bad Gateway", "503": "Service Temporarily Unavailable"}[status]
            page = ("<html>\r\n<head><title>%s %s</title></head>\r\n<body>\r\n<center><h1>%s %s</h1></center>\r\n"
                    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" % (status, reason, status, reason)).encode()
            conn.sendall(("HTTP/1.1 %s %s\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                          % (status, reason, len(page))).encode() + page)
            conn.close()


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    # The test process may spawn us with SIGTERM blocked (an inherited signal mask); unblock it so
    # the test can stop us by PID.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    handler = Proxy if MODE in PROXY_MODES else EchoFlink if MODE == "echo-run" else RawFaults
    server = Server(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    threading.Timer(LIFETIME_SECONDS, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
