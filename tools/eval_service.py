"""eval_service.py - the service tools/eval.py measures: a throwaway
redis-server and the real modq binary on free loopback ports, and one
keep-alive HTTP client to talk to it.

Owns starting and stopping both processes (temp dir, random API key, no
inherited MODQ_* settings) and the HTTP exchange (retry on a dropped
keep-alive connection, non-2xx answers recorded). Knows nothing of data
sets or figures; must never leave a process or the temp dir behind.
Python 3 standard library only.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time


class StartError(Exception):
    pass


class ServiceDied(Exception):
    pass


# ---------------------------------------------------------------------------
# The service: throwaway redis-server + modq on free loopback ports
# ---------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Service:
    """redis-server + modq in a temp dir; stop() always cleans up."""

    def __init__(self, binary, flood):
        self.binary = os.path.abspath(binary)
        self.flood = flood
        self.tmp = None
        self.key = "eval-" + secrets.token_hex(16)
        self.redis = self.modq = None
        self.exit_problem = None

    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise StartError("modq binary not found or not executable: %s (run make build/modq)"
                             % self.binary)
        if not shutil.which("redis-server"):
            raise StartError("redis-server not found in PATH")
        self.tmp = tempfile.mkdtemp(prefix="modq-eval-")
        self.modq_log = os.path.join(self.tmp, "modq.log")
        rport = free_port()
        rdir = os.path.join(self.tmp, "redis")
        os.makedirs(rdir)
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--dir", rdir,
             "--appendonly", "no", "--save", "", "--daemonize", "no",
             "--logfile", os.path.join(rdir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(rport, self.redis, 10):
            raise StartError("redis-server did not start on 127.0.0.1:%d" % rport)
        self.port = free_port()
        # The environment alone configures modq: inherited MODQ_* variables
        # would make runs incomparable.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODQ_")}
        env.update({
            "MODQ_LISTEN": "127.0.0.1:%d" % self.port,
            "MODQ_REDIS_URL": "redis://127.0.0.1:%d/0" % rport,
            "MODQ_CLIENT_KEYS": self.key,
            "MODQ_MODERATOR_KEYS": "",
            "MODQ_SPOOL_DIR": os.path.join(self.tmp, "spool"),
            "MODQ_THREADS": "2",
            "MODQ_LOG_LEVEL": "warn",
            "MODQ_DRAIN_SECONDS": "0",  # no load balancer to drain from: stop at once
            "MODQ_RATE_LIMIT_KEY": "0",
            "MODQ_RATE_LIMIT_IP": "0",
        })
        if not self.flood:
            env["MODQ_FLOOD_MAX"] = "0"
        self.logf = open(self.modq_log, "ab")
        self.modq = subprocess.Popen([self.binary], env=env, stdout=self.logf,
                                     stderr=self.logf, cwd=self.tmp)
        if not wait_port(self.port, self.modq, 20):
            raise StartError("modq did not start:\n" + self.log()[-2000:])
        return self

    def log(self):
        try:
            with open(self.modq_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.modq is not None:
            if self.modq.poll() is None:
                self.modq.send_signal(signal.SIGTERM)
                try:
                    self.modq.wait(30)
                except subprocess.TimeoutExpired:
                    self.modq.kill()
                    self.modq.wait()
                    self.exit_problem = "modq did not stop within 30 s of SIGTERM (killed)"
            rc = self.modq.returncode
            if rc not in (0, None) and self.exit_problem is None:
                self.exit_problem = "modq exited with status %d\n%s" % (rc, self.log()[-1500:])
            self.modq = None
            self.logf.close()
        if self.redis is not None:
            if self.redis.poll() is None:
                self.redis.kill()
                self.redis.wait()
            self.redis = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


class Client:
    """One keep-alive HTTP/1.1 connection; non-2xx answers are recorded."""

    def __init__(self, port, key, alive=lambda: True):
        self.port = port
        self.alive = alive
        self.headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        self.conn = None
        self.requests = 0
        self.existing = 0      # comment POSTs answered 200: id already stored
        self.failures = []     # (method, path, status, body excerpt)

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def call(self, method, path, body, stores=True):
        """stores=False: a POST that stores nothing (an analysis), so its 200
        is no "id already stored"."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, ConnectionError, socket.timeout):
                # The server may close an idle keep-alive connection; a retry
                # is safe because comments carry ids (the service is idempotent).
                self.conn.close()
                self.conn = None
                if not self.alive():
                    raise ServiceDied("modq died during %s %s" % (method, path))
                if attempt:
                    self.failures.append((method, path, 0, "connection failed"))
                    return 0, None
        self.requests += 1
        try:
            js = json.loads(raw) if raw else None
        except ValueError:
            js = None
        if r.status == 200 and method == "POST" and stores:
            self.existing += 1
        if not 200 <= r.status < 300:
            self.failures.append((method, path, r.status, raw[:200].decode("utf-8", "replace")))
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return r.status, js

    def verdict(self, site, body):
        """POST one comment; returns a new dict with the answer's http,
        status ("error" when there is no verdict), score, relevance and
        flags."""
        st, js = self.call("POST", "/v1/sites/%s/comments" % site, body)
        ok = 200 <= st < 300 and js is not None
        return {"http": st, "status": js.get("status", "error") if ok else "error",
                "score": js.get("score", 0.0) if ok else 0.0,
                "relevance": js.get("relevance") if ok else None,
                "flags": js.get("flags", []) if ok else []}

    def close(self):
        if self.conn is not None:
            self.conn.close()


