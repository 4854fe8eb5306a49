"""harness.py - throwaway redis-server + real modq binary on free loopback ports.

Each Env owns a temp dir, a redis-server (AOF on, fsync'd on every write) and
one or more modq processes; stop() terminates them and reports sanitizer
findings in modq's stderr as a failure. Every response read through
Modq.request or Client.request is checked against docs/openapi.json
(contract.py, python3-jsonschema); apart from that only the standard library
is used.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import http.client

import contract

CLIENT_KEY = "test-client-key-0123456789"
# Moderator keys are named (moderator_keys "NAME:KEY"): the name is who the
# key acts as. MOD_KEY is mia's; mod_key(name) is the key of any moderator in
# MODERATORS, all configured by default.
MOD_NAME = "mia"
MOD_KEY = "test-moderator-key-0123456789"
MODERATORS = ("mia", "noah", "alice", "bob", "carol", "dave", "erin", "olga", "mallory",
              "other-moderator") + tuple("mod%d" % i for i in range(8))


def mod_key(name):
    """The bearer key of moderator `name` in the default configuration."""
    return MOD_KEY if name == MOD_NAME else "test-moderator-key-%s-0123456789" % name


def mod_keys_setting(names=MODERATORS):
    """moderator_keys naming each of names with its mod_key."""
    return ",".join("%s:%s" % (n, mod_key(n)) for n in names)

SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# Between two connection attempts while a process starts: redis-server and
# modq listen within tens of ms, and every test starts at least one of each.
WAIT_PORT_STEP_S = 0.005


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(WAIT_PORT_STEP_S)
    return False


class Redis:
    def __init__(self, tmp, port=None):
        self.port = port or free_port()
        self.dir = os.path.join(tmp, "redis-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    def start(self):
        # appendfsync always: the fault tests SIGKILL redis-server and then
        # expect every write it acknowledged; with everysec a busy fsync
        # lets Redis postpone its AOF write by up to 2 s while it keeps
        # answering, so a kill loses acknowledged comments now and then
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--daemonize", "no", "--logfile", os.path.join(self.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port):
            raise RuntimeError("redis-server did not start")
        return self

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port)] + [str(a) for a in args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def free_cluster_port(taken=()):
    """A free loopback port whose cluster-bus port (port + 10000) is free too,
    neither of them a port or bus port in taken (the other nodes' ports: a
    node not started yet has not bound its bus port)."""
    busy = set(taken) | {q + 10000 for q in taken}
    for _ in range(200):
        p = free_port()
        if p + 10000 > 65535 or p in busy or p + 10000 in busy:
            continue
        try:
            b = socket.socket()
            b.bind(("127.0.0.1", p + 10000))
            b.close()
            return p
        except OSError:
            continue
    raise RuntimeError("no free port pair for a cluster node")


# A cluster's nodes agree on the slot map within a few hundred ms on
# loopback; this bounds the wait for cluster_state:ok on every node.
CLUSTER_OK_BOUND_S = 30


class Cluster:
    """A Redis Cluster of `masters` primaries with `replicas` replicas each,
    on free loopback ports under tmp (each node's dir and nodes.conf), made
    with redis-cli --cluster create. nodes: every node (Redis objects,
    primaries first as created); seeds(): the "host:port,..." list modq is
    given."""

    def __init__(self, tmp, masters=3, replicas=1):
        self.tmp = tmp
        self.masters, self.replicas = masters, replicas
        ports = []
        for _ in range(masters * (1 + replicas)):
            ports.append(free_cluster_port(ports))
        self.nodes = [Redis(tmp, p) for p in ports]
        self.port = self.nodes[0].port
        self.created = False

    def start(self):
        """Start every node; the first time, make them a cluster (after a
        stop() each node comes back with its nodes.conf and data)."""
        try:
            return self._start()
        except Exception:
            self.stop()   # no node outlives a start that failed
            raise

    def _start(self):
        for n in self.nodes:
            self.spawn(n)
        for n in self.nodes:
            if not wait_port(n.port):
                raise RuntimeError("cluster node %d did not start" % n.port)
        if self.created:
            if not self.wait_ok():
                raise RuntimeError("cluster did not reach cluster_state:ok again")
            return self
        self.created = True
        out = subprocess.run(
            ["redis-cli", "--cluster", "create"] + ["127.0.0.1:%d" % n.port for n in self.nodes]
            + ["--cluster-replicas", str(self.replicas), "--cluster-yes"],
            capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("redis-cli --cluster create: " + out.stdout + out.stderr)
        if not self.wait_ok():
            raise RuntimeError("cluster did not reach cluster_state:ok")
        if not self.wait_replicas():
            raise RuntimeError("cluster replicas did not sync")
        return self

    def spawn(self, n):
        """Start node n (a Redis of nodes) with its dir and nodes.conf."""
        n.proc = subprocess.Popen(
            ["redis-server", "--port", str(n.port), "--bind", "127.0.0.1",
             "--dir", n.dir, "--cluster-enabled", "yes",
             "--cluster-config-file", os.path.join(n.dir, "nodes.conf"),
             "--cluster-node-timeout", "2000", "--repl-diskless-sync-delay", "0",
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--daemonize", "no", "--logfile", os.path.join(n.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def restart(self, port):
        """Start a stopped node again: it rejoins with its nodes.conf (a
        primary that was failed over comes back as a replica)."""
        n = self.node(port)
        self.spawn(n)
        if not wait_port(n.port):
            raise RuntimeError("cluster node %d did not start" % n.port)

    def wait_replicas(self, bound=CLUSTER_OK_BOUND_S):
        """True once every replica's link to its primary is up (a failover
        promotes only a replica that is in sync)."""
        want = self.masters * self.replicas
        end = time.time() + bound
        while time.time() < end:
            up = sum("master_link_status:up" in n.cli("INFO", "replication") for n in self.nodes)
            if up >= want:
                return True
            time.sleep(0.1)
        return False

    def wait_ok(self, bound=CLUSTER_OK_BOUND_S):
        """True once every running node says cluster_state:ok."""
        end = time.time() + bound
        while time.time() < end:
            if all("cluster_state:ok" in n.cli("CLUSTER", "INFO")
                   for n in self.nodes if n.proc and n.proc.poll() is None):
                return True
            time.sleep(0.1)
        return False

    def seeds(self):
        return ",".join("127.0.0.1:%d" % n.port for n in self.nodes[:self.masters])

    def cli(self, *args):
        """redis-cli as against one Redis: a key's command on its slot's
        node (-c follows MOVED), SCRIPT on every primary ("OK" when all
        said it)."""
        if str(args[0]).upper() == "SCRIPT":
            outs = {self.node(p).cli(*args) for p in self.primaries()}
            return outs.pop() if len(outs) == 1 else " ".join(sorted(outs))
        out = subprocess.run(["redis-cli", "-c", "-p", str(self.live().port)]
                             + [str(a) for a in args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def live(self):
        """The first node still running."""
        return next(n for n in self.nodes if n.proc and n.proc.poll() is None)

    def keyslot(self, key):
        return int(self.live().cli("CLUSTER", "KEYSLOT", key))

    def primaries(self):
        """{port: [(start, end), ...]} of every primary serving slots, from
        CLUSTER NODES as the first running node sees it."""
        out = {}
        for line in self.live().cli("CLUSTER", "NODES").splitlines():
            f = line.split()
            if "master" not in f[2] or "fail" in f[2]:
                continue
            port = int(f[1].split(":")[1].split("@")[0])
            ranges = []
            for r in f[8:]:
                if r.startswith("["):
                    continue
                a, _, b = r.partition("-")
                ranges.append((int(a), int(b or a)))
            if ranges:
                out[port] = ranges
        return out

    def owner(self, slot):
        """The port of the primary serving slot."""
        for port, ranges in self.primaries().items():
            if any(a <= slot <= b for a, b in ranges):
                return port
        return None

    def node(self, port):
        return next(n for n in self.nodes if n.port == port)

    def stop(self):
        for n in self.nodes:
            n.stop()


class Modq:
    def __init__(self, binary, tmp, redis_port, extra_env=None, name="modq"):
        self.binary = binary
        self.port = free_port()
        self.log_path = os.path.join(tmp, "%s-%d.log" % (name, self.port))
        self.env = dict(os.environ)
        self.env.update({
            "MODQ_LISTEN": "127.0.0.1:%d" % self.port,
            "MODQ_REDIS_URL": "redis://127.0.0.1:%d/0" % redis_port,
            "MODQ_CLIENT_KEYS": CLIENT_KEY,
            "MODQ_MODERATOR_KEYS": mod_keys_setting(),
            "MODQ_SPOOL_DIR": os.path.join(tmp, "spool-%s" % name),
            "MODQ_THREADS": "4",
            "MODQ_LOG_LEVEL": "warn",
            "MODQ_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",  # receivers live on loopback
            "MODQ_DRAIN_SECONDS": "0",  # stop at once; the drain tests set their own
        })
        if extra_env:
            self.env.update(extra_env)
        self.args = []  # command-line arguments (e.g. ["-c", FILE])
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary] + self.args, env=self.env, stdout=self.logf,
                                     stderr=self.logf)
        if not wait_port(self.port, 20):
            raise RuntimeError("modq did not start: " + self.log())
        return self

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop modq; returns its exit code (None if it had to be killed)."""
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                self.logf.close()
                return None
        rc = self.proc.returncode
        self.proc = None
        self.logf.close()
        return rc

    def sanitizer_findings(self):
        text = self.log()
        return [m for m in SAN_MARKERS if m in text]

    # --- HTTP -----------------------------------------------------------
    def request(self, method, path, body=None, key=CLIENT_KEY, headers=None, raw=None,
                content_type="application/json", timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = {}
        if key:
            h["Authorization"] = "Bearer " + key
        if body is not None or raw is not None:
            h["Content-Type"] = content_type
        if headers:
            h.update(headers)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        payload = r.read()
        conn.close()
        contract.check(method, path, r.status, dict(r.getheaders()), payload)
        ctype = r.getheader("Content-Type", "")
        parsed = None
        if "json" in ctype and payload:
            parsed = json.loads(payload)
        return Resp(r.status, parsed, payload, dict(r.getheaders()))


    def queue(self, site, status="pending", query="", limit=200):
        """The ids in a site's review queue as moderators see it (GET
        /v1/review, every page followed), oldest first."""
        ids, cursor = [], None
        for _ in range(1000):
            path = "/v1/review?site=%s&status=%s&limit=%d%s" % (site, status, limit, query)
            if cursor:
                path += "&cursor=" + cursor
            r = self.request("GET", path, key=MOD_KEY)
            # 503 redis_unavailable is modq's documented "retry later" (a
            # Redis command over redis_timeout_ms on a loaded machine opens
            # the pool's short down window): a reader retries; anything
            # else fails at once
            for _ in range(20):
                if r.status != 503 or not r.json or \
                        r.json["error"]["code"] != "redis_unavailable":
                    break
                time.sleep(0.25)
                r = self.request("GET", path, key=MOD_KEY)
            assert r.status == 200, r
            ids += [i["id"] for i in r.json["items"]]
            cursor = r.json["next_cursor"]
            if not cursor:
                return ids
        raise AssertionError("review queue of %s: too many pages" % site)

    def client(self, timeout=10):
        """A keep-alive connection for many requests in a row (Client)."""
        return Client(self.port, timeout)


class Client:
    """One keep-alive HTTP connection to modq: request() as Modq.request,
    without a new connection per request (for reading back hundreds of
    comments). Reconnects once when modq closed the connection."""

    def __init__(self, port, timeout=10):
        self.port, self.timeout = port, timeout
        self.conn = None

    def request(self, method, path, key=CLIENT_KEY):
        h = {"Authorization": "Bearer " + key} if key else {}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, headers=h)
                r = self.conn.getresponse()
                payload = r.read()
                break
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        contract.check(method, path, r.status, dict(r.getheaders()), payload)
        ctype = r.getheader("Content-Type", "")
        parsed = json.loads(payload) if "json" in ctype and payload else None
        return Resp(r.status, parsed, payload, dict(r.getheaders()))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Resp:
    def __init__(self, status, js, raw, headers):
        self.status = status
        self.json = js
        self.raw = raw
        self.headers = headers

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Env:
    """A redis (or, with cluster=True, a 3-primary 3-replica Redis Cluster)
    + one modq. Use as a context manager."""

    def __init__(self, binary, extra_env=None, instances=1, cluster=False):
        self.tmp = tempfile.mkdtemp(prefix="modq-it-")
        # IT_CLUSTER=1 in the environment runs every Env on a cluster
        if cluster or os.environ.get("IT_CLUSTER") == "1":
            # a Cluster stands in for the Redis: redis (and cluster) is it
            self.redis = self.cluster = Cluster(self.tmp).start()
            extra_env = dict(extra_env or {}, MODQ_REDIS_CLUSTER=self.cluster.seeds())
        else:
            self.redis, self.cluster = Redis(self.tmp).start(), None
        try:
            self.modqs = [Modq(binary, self.tmp, self.redis.port, extra_env, "modq%d" % i).start()
                          for i in range(instances)]
        except Exception:
            self.redis.stop()
            raise
        self.modq = self.modqs[0]
        self.problems = []

    def close(self):
        for m in self.modqs:
            rc = m.stop()
            if rc not in (0,):
                self.problems.append("modq exit code %r on SIGTERM\n%s" % (rc, m.log()[-3000:]))
            found = m.sanitizer_findings()
            if found:
                self.problems.append("sanitizer: %s\n%s" % (found, m.log()[-6000:]))
        self.redis.stop()
        if not self.problems:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        if self.problems and exc[0] is None:
            raise AssertionError("; ".join(self.problems))
