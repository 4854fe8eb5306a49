"""test_ops.py - readiness, the drain window after SIGTERM and a rolling
restart of two instances on one Redis under load."""
import os
import shutil
import signal
import threading
import time
import http.client
import json

from harness import CLIENT_KEY, Env, Modq
from test_reload import until

ARTICLE = {"title": "Rain expected over the weekend",
           "body": "Forecasters expect heavy rain on Saturday across the region."}


def comment(cid):
    return {"id": cid, "article_id": "a1", "text": "Thanks, I will bring an umbrella on Saturday.",
            "author": {"name": "reader-%s" % cid}}


def ready_view(m):
    """(status, body without the free-text reason) of GET /readyz."""
    r = m.request("GET", "/readyz", key=None, timeout=5)
    body = dict(r.json)
    body.pop("reason", None)
    return r.status, body


def gauges(m):
    text = m.request("GET", "/metrics", key=None).raw.decode()
    out = {}
    for name in ("modq_ready", "modq_redis_up", "modq_spool_writable", "modq_draining"):
        out[name] = int([l for l in text.splitlines() if l.startswith(name + " ")][0].split()[1])
    return out


def block(spool):
    """Make the spool unusable: its directory replaced by a plain file, so
    that it cannot be made again either."""
    shutil.rmtree(spool)
    with open(spool, "w") as f:
        f.write("not a directory\n")


def test_readyz_is_ready_while_comments_can_be_answered(binary):
    """Ready with Redis up; still ready (degraded, Redis down) while the spool
    takes comments; 503 only when neither can; Redis alone suffices again;
    a spool directory removed is made again (once 5 s have passed since the
    refused append). The metrics carry the same signals."""
    with Env(binary, {"MODQ_REDIS_TIMEOUT_MS": "200"}) as env:
        m = env.modq
        spool = m.env["MODQ_SPOOL_DIR"]
        assert m.request("PUT", "/v1/sites/rz/articles/a1", ARTICLE).status == 201
        steps = [
            ("redis up", lambda: None, 200,
             {"ready": True, "status": "ready", "redis": "up",
              "spool": {"writable": True, "pending": 0}},
             {"modq_ready": 1, "modq_redis_up": 1, "modq_spool_writable": 1, "modq_draining": 0}),
            ("redis down, spool writable", env.redis.stop, 200,
             {"ready": True, "status": "degraded", "redis": "down",
              "spool": {"writable": True, "pending": 0}},
             {"modq_ready": 1, "modq_redis_up": 0, "modq_spool_writable": 1, "modq_draining": 0}),
            ("redis down, spool blocked", lambda: block(spool), 503,
             {"ready": False, "status": "not_ready", "redis": "down",
              "spool": {"writable": False, "pending": 0}},
             {"modq_ready": 0, "modq_redis_up": 0, "modq_spool_writable": 0, "modq_draining": 0}),
            ("redis back, spool blocked", env.redis.start, 200,
             {"ready": True, "status": "ready", "redis": "up",
              "spool": {"writable": False, "pending": 0}},
             {"modq_ready": 1, "modq_redis_up": 1, "modq_spool_writable": 0, "modq_draining": 0}),
            ("spool path free again", lambda: os.remove(spool), 200,
             {"ready": True, "status": "ready", "redis": "up",
              "spool": {"writable": True, "pending": 0}},
             {"modq_ready": 1, "modq_redis_up": 1, "modq_spool_writable": 1, "modq_draining": 0}),
        ]
        for name, act, status, body, metrics in steps:  # in order
            act()
            assert until(lambda: ready_view(m) == (status, body), 10), (name, ready_view(m))
            assert gauges(m) == metrics, (name, gauges(m))
            if name == "redis down, spool writable":
                # what "ready" promises: a comment is answered, provisionally
                r = m.request("POST", "/v1/sites/rz/comments", comment("c-down"))
                assert r.status == 201 and r.json["provisional"] is True, r
                assert ready_view(m)[1]["spool"]["pending"] == 1
                body["spool"]["pending"] = 1
                # let the next step start from an empty spool: put it back in Redis
                env.redis.start()
                assert until(lambda: ready_view(m)[1]["spool"]["pending"] == 0, 10)
                env.redis.stop()
                body["spool"]["pending"] = 0
            if name == "redis down, spool blocked":
                # nothing can take a comment: 503, never a lost "provisional"
                r = m.request("POST", "/v1/sites/rz/comments", comment("c-lost"))
                assert r.status == 503, r
        assert "was removed from under modq: made it again" in m.log()


def test_sigterm_keeps_answering_for_drain_seconds(binary):
    """For drain_seconds after SIGTERM /readyz says 503 draining while a new
    connection and an open keep-alive one are both answered 2xx (the latter
    told Connection: close); then modq exits 0, the comment stored."""
    with Env(binary, {"MODQ_DRAIN_SECONDS": "2"}) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/dr/articles/a1", ARTICLE).status == 201
        keep = http.client.HTTPConnection("127.0.0.1", m.port, timeout=10)
        keep.request("GET", "/healthz")
        r = keep.getresponse()
        r.read()
        assert r.status == 200 and r.getheader("Connection", "").lower() != "close"
        t0 = time.time()
        m.proc.send_signal(signal.SIGTERM)
        assert until(lambda: ready_view(m)[0] == 503, 1.5), ready_view(m)
        status, body = ready_view(m)
        assert body == {"ready": False, "status": "draining", "redis": "up",
                        "spool": {"writable": True, "pending": 0}}, body
        assert gauges(m)["modq_draining"] == 1 and gauges(m)["modq_ready"] == 0
        r = m.request("POST", "/v1/sites/dr/comments", comment("in-window"))
        assert r.status == 201, r
        keep.request("GET", "/v1/sites/dr/comments/in-window",
                     headers={"Authorization": "Bearer " + CLIENT_KEY})
        r = keep.getresponse()
        got = json.loads(r.read())
        assert r.status == 200 and got["id"] == "in-window", (r.status, got)
        assert r.getheader("Connection", "").lower() == "close"
        answered_at = time.time() - t0
        rc = m.proc.wait(10)
        took = time.time() - t0
        m.proc = None
        m.logf.close()
        assert rc == 0, m.log()[-2000:]
        assert answered_at < 2.0 <= took + 0.05 and took < 4.0, (answered_at, took)
        assert env.redis.cli("EXISTS", "modq:{dr}:comment:in-window") == "1"


def test_second_sigterm_ends_the_drain_window(binary):
    with Env(binary, {"MODQ_DRAIN_SECONDS": "60"}) as env:
        m = env.modq
        t0 = time.time()
        m.proc.send_signal(signal.SIGTERM)
        assert until(lambda: ready_view(m)[1].get("status") == "draining", 2)
        m.proc.send_signal(signal.SIGTERM)
        rc = m.proc.wait(10)
        m.proc = None
        m.logf.close()
        assert rc == 0 and time.time() - t0 < 5, (rc, time.time() - t0)


class Balancer:
    """A client-side load balancer: a prober polls every backend's /readyz
    (PROBE_S apart, as an orchestrator's readiness probe would) and the
    load threads send each request, on a new connection, to the next
    ready backend. No retries: any error or non-2xx answer is a failure."""
    PROBE_S = 0.1

    def __init__(self, site, threads=2):
        self.site, self.nthreads = site, threads
        self.backends = {}  # port -> ready (bool)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.results = []  # (time, port, status or error, id)
        self.seen = {}  # port -> set of readyz statuses seen
        self.n = 0

    def add(self, port):
        with self.lock:
            self.backends[port] = False

    def remove(self, port):
        with self.lock:
            self.backends.pop(port, None)

    def ready(self, port):
        with self.lock:
            return self.backends.get(port, False)

    def probe(self):
        while not self.stop.is_set():
            with self.lock:
                ports = list(self.backends)
            for p in ports:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", p, timeout=2)
                    c.request("GET", "/readyz")
                    r = c.getresponse()
                    st = json.loads(r.read()).get("status")
                    ok = r.status == 200
                    c.close()
                except OSError:
                    ok, st = False, "refused"
                self.seen.setdefault(p, set()).add(st)
                with self.lock:
                    if p in self.backends:
                        self.backends[p] = ok
            time.sleep(self.PROBE_S)

    def pick(self):
        with self.lock:
            ready = sorted(p for p, ok in self.backends.items() if ok)
            self.n += 1
            return ready[self.n % len(ready)] if ready else None

    def load(self, t):
        i = 0
        while not self.stop.is_set():
            port = self.pick()
            if port is None:
                self.results.append((time.time(), None, "no ready backend", None))
                time.sleep(0.01)
                continue
            cid = "t%d-%d" % (t, i)
            i += 1
            body = json.dumps(comment(cid)).encode()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("POST", "/v1/sites/%s/comments" % self.site, body=body,
                          headers={"Authorization": "Bearer " + CLIENT_KEY,
                                   "Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                c.close()
                self.results.append((time.time(), port, r.status, cid))
            except (OSError, http.client.HTTPException) as e:
                self.results.append((time.time(), port, repr(e), cid))

    def start_probe(self):
        self.threads = [threading.Thread(target=self.probe)]
        self.threads[0].start()

    def start_load(self):
        more = [threading.Thread(target=self.load, args=(t,)) for t in range(self.nthreads)]
        for th in more:
            th.start()
        self.threads += more

    def finish(self):
        self.stop.set()
        for th in self.threads:
            th.join()


def test_rolling_restart_of_two_instances_drops_nothing(binary):
    """Two instances on one Redis under a steady load through a balancer
    that follows /readyz; each is replaced in turn by port hand-over (the
    new one starts on its own port and joins once ready, then the old one
    gets SIGTERM, drains for drain_seconds and exits 0). Every request is
    answered 2xx, some by an old instance after its SIGTERM, and every
    comment answered is in Redis."""
    env_vars = {"MODQ_DRAIN_SECONDS": "2"}  # 20 probe periods: room on a busy machine
    with Env(binary, env_vars, instances=2) as env:
        assert env.modq.request("PUT", "/v1/sites/roll/articles/a1", ARTICLE).status == 201
        lb = Balancer("roll")
        for m in env.modqs:
            lb.add(m.port)
        lb.start_probe()
        try:
            assert until(lambda: all(lb.ready(m.port) for m in env.modqs), 5)
            lb.start_load()
            time.sleep(0.5)
            terms = {}
            for k, old in enumerate(list(env.modqs[:2])):
                new = Modq(binary, env.tmp, env.redis.port, env_vars, "new%d" % k).start()
                env.modqs.append(new)
                lb.add(new.port)
                assert until(lambda: lb.ready(new.port), 5)
                time.sleep(0.3)
                terms[old.port] = time.time()
                old.proc.send_signal(signal.SIGTERM)
                rc = old.proc.wait(15)
                old.proc = None
                old.logf.close()
                assert rc == 0, old.log()[-2000:]
                lb.remove(old.port)
                time.sleep(0.3)
        finally:
            lb.finish()
        bad = [r for r in lb.results if not (isinstance(r[2], int) and 200 <= r[2] < 300)]
        by_port = {}
        for t, port, st, cid in lb.results:
            by_port[port] = by_port.get(port, 0) + 1
        after_term = [r for r in lb.results if r[1] in terms and r[0] > terms[r[1]]]
        print("  rolling restart: %d requests, %d failed, per port %s, %d answered by an "
              "instance after its SIGTERM" % (len(lb.results), len(bad), by_port, len(after_term)))
        assert not bad, bad[:5]
        assert len(lb.results) > 100, len(lb.results)
        assert len(by_port) == 4, by_port
        for port in terms:
            assert "draining" in lb.seen[port], lb.seen[port]
        # every answered comment is stored
        ids = [r[3] for r in lb.results]
        c = env.modqs[-1].client()
        missing = [i for i in ids if c.request("GET", "/v1/sites/roll/comments/" + i).status != 200]
        c.close()
        assert not missing, missing[:5]
