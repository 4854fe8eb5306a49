"""test_faults.py - nothing lost, nothing queued twice: Redis outages and
hangs, modq crashes and graceful shutdown, under a keep-alive load.

Every test drives a bounded load generator (Python threads, one keep-alive
connection each, a third of the comments spammy so that they come back
pending with MODQ_THRESHOLD_REJECT=1.0), injects one fault midway, and then
checks what modq shows once it is over: every comment a client was answered
`pending` for is in the site's review queue exactly once, every answered
comment is stored with the status it was answered (GET), nothing else is
queued. Each test prints its counts (sent, answered, pending, found in
queue, lost, duplicated).
"""
import http.client
import json
import os
import signal
import socket
import threading
import time

from harness import CLIENT_KEY, Env

ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while some shop owners worry "
                   "about deliveries.",
           "url": "https://news.example/bike-lanes", "tags": ["cycling", "city council"]}
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx{n} "
        "http://cheap-pills.example/buy{n} http://win-money.example earn ${n} a day")
HAM_WORDS = ("bicycle lanes council street parking deliveries cyclists spring shop owners "
             "construction safety traffic children school commute buses pedestrians city "
             "budget neighbourhood winter bridge").split()
FAULT_ENV = {"MODQ_THRESHOLD_REJECT": "1.0", "MODQ_REDIS_TIMEOUT_MS": "300",
             "MODQ_THREADS": "4", "MODQ_FLOOD_MAX": "0"}


def ham(n):
    """A distinct on-topic sentence per n (no near-duplicates of each other)."""
    w = [HAM_WORDS[(n * k + k * k) % len(HAM_WORDS)] for k in range(1, 9)]
    return ("I think the %s and the %s matter most here; %s near the %s need %s, "
            "comment number %d." % (w[0], w[1], w[2], w[3], w[4], n))


# ----------------------------------------------------------------- load


class Load:
    """threads x per_thread comments, each thread on its own keep-alive
    connection. Requests that got no answer (connection reset by a crash)
    are retried with the same id after a pause, up to `retries` times, so
    idempotency is exercised too. Records every answer."""

    def __init__(self, port_fn, site, threads=4, per_thread=150, prefix="c", retries=40,
                 timeout=15, pace=0.0):
        self.port_fn, self.site = port_fn, site
        self.threads, self.per_thread = threads, per_thread
        self.prefix, self.retries, self.timeout = prefix, retries, timeout
        self.pace = pace           # seconds between a thread's requests
        self.lock = threading.Lock()
        self.sent = 0              # POSTs attempted (including retries)
        self.done = 0              # comments with a final answer
        self.answers = {}          # id -> (http status, json)
        self.bad = []              # (id, status, body) for non-201/200 answers
        self.unanswered = []       # ids that never got an answer
        self.latencies = []
        self.stop_when = None
        self.ts = []

    def _conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port_fn(), timeout=self.timeout)

    def _run(self, t):
        conn = None
        for i in range(self.per_thread):
            n = t * self.per_thread + i
            cid = "%s%d-%d" % (self.prefix, t, i)
            text = SPAM.format(n=n) if n % 3 == 0 else ham(n)
            body = json.dumps({"id": cid, "article_id": "a1", "text": text,
                               "author": {"name": "user%d" % n}}).encode()
            for attempt in range(self.retries + 1):
                try:
                    if conn is None:
                        conn = self._conn()
                    with self.lock:
                        self.sent += 1
                    t0 = time.time()
                    conn.request("POST", "/v1/sites/%s/comments" % self.site, body=body,
                                 headers={"Authorization": "Bearer " + CLIENT_KEY,
                                          "Content-Type": "application/json"})
                    r = conn.getresponse()
                    payload = r.read()
                    dt = time.time() - t0
                    if r.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                    js = json.loads(payload) if payload else None
                    with self.lock:
                        self.latencies.append(dt)
                        self.answers[cid] = (r.status, js)
                        if r.status not in (200, 201):
                            self.bad.append((cid, r.status, payload[:200]))
                        self.done += 1
                    break
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                    time.sleep(0.25)
            else:
                with self.lock:
                    self.unanswered.append(cid)
                    self.done += 1
            if self.pace:
                time.sleep(self.pace)
        if conn is not None:
            conn.close()

    def start(self):
        self.ts = [threading.Thread(target=self._run, args=(t,), daemon=True)
                   for t in range(self.threads)]
        for th in self.ts:
            th.start()
        return self

    def total(self):
        return self.threads * self.per_thread

    def wait_done(self, fraction, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.done >= fraction * self.total():
                    return
            time.sleep(0.02)
        raise AssertionError("load stalled at %d/%d" % (self.done, self.total()))

    def join(self, timeout=120):
        for th in self.ts:
            th.join(timeout)
            assert not th.is_alive(), "load thread stuck"


def wait_spool_empty(modq, timeout=30):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = modq.request("GET", "/readyz", key=None, timeout=5)
            if last.status == 200 and last.json["spool"]["pending"] == 0:
                return last
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("spool not replayed: %r" % (last,))


def settled(js):
    """The status an answer promises once settled: a provisional answer
    (Redis was unreachable) settles to the engine's verdict for a fresh id."""
    return js["auto_status"] if js.get("provisional") else js["status"]


def verify(modq, load, site, name):
    """Compare every answer with what modq shows (the review queue, each
    comment read back). Returns the counts (and prints them); asserts
    lost == 0 and duplicated == 0."""
    pend = sorted(cid for cid, (st, js) in load.answers.items()
                  if st in (200, 201) and js and settled(js) == "pending")
    answered = sorted(cid for cid, (st, js) in load.answers.items() if st in (200, 201))
    queue = modq.queue(site)
    c = modq.client()
    try:
        records = []
        for cid in answered:
            r = c.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
            for _ in range(20):   # modq's "retry later", as in modq.queue
                if r.status != 503:
                    break
                time.sleep(0.25)
                r = c.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
            assert r.status in (200, 404), (cid, r)
            records.append(r.json if r.status == 200 else None)
    finally:
        c.close()
    members = set(queue)
    found = sum(1 for cid in pend if cid in members)
    lost_queue = [cid for cid in pend if cid not in members]
    lost_records = [cid for cid, r in zip(answered, records) if r is None]
    wrong_status = [cid for cid, r in zip(answered, records)
                    if r is not None and r["status"] != settled(load.answers[cid][1])]
    extra = sorted(members - set(pend))
    listed = len(queue)
    counts = {"sent": load.sent, "answered": len(answered), "pending": len(pend),
              "found_in_queue": found, "queue_size": listed,
              "lost": len(lost_queue) + len(lost_records),
              "duplicated": listed - found + len(extra),
              "unanswered": len(load.unanswered)}
    print("  %s: %s" % (name, " ".join("%s=%s" % kv for kv in counts.items())), flush=True)
    assert not lost_queue, ("answered pending but not queued", lost_queue[:10])
    assert not lost_records, ("answered but not stored", lost_records[:10])
    assert not extra, ("queued but not answered pending", extra[:10])
    assert listed == len(pend) == found, (listed, len(pend), found)
    assert not wrong_status, ("stored status differs from the answer", wrong_status[:10])
    assert counts["lost"] == 0 and counts["duplicated"] == 0, counts
    return counts


def metrics_text(modq):
    return modq.request("GET", "/metrics", key=None).raw.decode()


# ----------------------------------------------------------------- tests


def test_redis_outage_under_load(binary):
    """Kill redis-server under load, restart it: every request answered,
    spooled while down, replayed in order after."""
    with Env(binary, FAULT_ENV) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/out/articles/a1", ARTICLE).status == 201
        load = Load(lambda: m.port, "out", prefix="o", pace=0.005).start()
        load.wait_done(0.25)
        env.redis.stop()                       # SIGKILL
        t_down = time.time()
        load.wait_done(0.45)
        r = m.request("GET", "/readyz", key=None)
        # ready (the spool answers), with Redis reported down
        assert r.status == 200 and r.json["ready"] is True and r.json["status"] == "degraded", r
        assert r.json["redis"] == "down" and r.json["spool"]["writable"] is True, r.json
        assert "redis" in r.json["reason"] and r.json["spool"]["pending"] > 0, r.json
        text = metrics_text(m)
        assert "modq_degraded 1" in text and "modq_redis_up 0" in text, text[-2000:]
        assert "modq_ready 1" in text and "modq_spool_writable 1" in text, text[-2000:]
        load.wait_done(0.75)
        time.sleep(max(0.0, 1.0 - (time.time() - t_down)))  # down for 1 s at least
        spooled = int(m.request("GET", "/readyz", key=None).json["spool"]["pending"])
        env.redis.start()                      # same port and dir, AOF
        down_for = time.time() - t_down
        load.join()
        wait_spool_empty(m)
        assert not load.bad, ("non-2xx answers during the outage", load.bad[:5])
        assert not load.unanswered, load.unanswered[:5]
        c = verify(m, load, "out", "redis outage")
        assert c["answered"] == load.total() and c["pending"] >= load.total() // 4, c
        assert "modq_degraded 0" in metrics_text(m)
        print("  redis outage: down %.1fs, %d records spooled at restart" % (down_for, spooled))
        assert spooled > 0


def test_redis_hang_bounded_latency(binary):
    """SIGSTOP the redis-server under load: answers keep coming within a
    bound set by redis_timeout_ms; after SIGCONT everything is replayed and
    all worker threads answer again."""
    with Env(binary, FAULT_ENV) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/hang/articles/a1", ARTICLE).status == 201
        load = Load(lambda: m.port, "hang", threads=4, per_thread=80, prefix="h",
                    pace=0.01).start()
        load.wait_done(0.2)
        os.kill(env.redis.proc.pid, signal.SIGSTOP)
        t_stop = time.time()
        try:
            n0 = len(load.latencies)
            load.wait_done(0.6, timeout=60)
            time.sleep(max(0.0, 1.5 - (time.time() - t_stop)))  # hung 1.5 s at least
            during = load.latencies[n0:]
            r = m.request("GET", "/readyz", key=None, timeout=5)
            # the spool answers: ready, with Redis reported down
            assert r.status == 200 and r.json["redis"] == "down", r
        finally:
            os.kill(env.redis.proc.pid, signal.SIGCONT)
        hung_for = time.time() - t_stop
        load.join()
        wait_spool_empty(m)
        # every worker thread is free again: a parallel burst answers fast
        burst, errs = [], []

        def one():
            t0 = time.time()
            try:
                st = m.request("GET", "/v1/sites/hang/comments/h0-0", timeout=5).status
                burst.append((st, time.time() - t0))
            except OSError as e:
                errs.append(e)
        ths = [threading.Thread(target=one) for _ in range(12)]
        for th in ths:
            th.start()
        for th in ths:
            th.join(10)
        assert not errs and len(burst) == 12, (errs, burst)
        assert all(st == 200 and dt < 3 for st, dt in burst), burst
        assert not load.bad and not load.unanswered, (load.bad[:5], load.unanswered[:5])
        worst = max(during)
        # one timeout for the rate-limit read, one for the look-up, one for a
        # reconnect: 3 x 300 ms, plus sanitizer slowness
        print("  redis hang: hung %.1fs, %d answers while hung, worst latency %.2fs"
              % (hung_for, len(during), worst))
        assert worst < 2.5, worst
        verify(m, load, "hang", "redis hang")


def test_crash_kill9_and_restart(binary):
    """kill -9 modq under load (with Redis down, so answers live only in the
    spool), restart it on the same spool: every answered comment ends up in
    Redis, nothing twice; re-POSTed ids get 200 and the stored verdict."""
    with Env(binary, FAULT_ENV) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/crash/articles/a1", ARTICLE).status == 201
        load = Load(lambda: m.port, "crash", threads=4, per_thread=100, prefix="k").start()
        load.wait_done(0.25)
        env.redis.stop()
        load.wait_done(0.5)
        spooled = m.request("GET", "/readyz", key=None).json["spool"]["pending"]
        m.proc.send_signal(signal.SIGKILL)
        m.proc.wait()
        m.proc = None
        m.logf.close()
        answered_before = len(load.answers)
        time.sleep(0.5)
        env.redis.start()
        m.start()
        load.join()
        wait_spool_empty(m)
        assert not load.bad and not load.unanswered, (load.bad[:5], load.unanswered[:5])
        c = verify(m, load, "crash", "kill -9")
        print("  kill -9: %d answered before the kill, %d spooled" % (answered_before, spooled))
        assert spooled > 0
        # the same ids again: 200, the stored verdict, queue unchanged
        again = [cid for cid in sorted(load.answers)][::25]
        for cid in again:
            t, i = cid[1:].split("-")
            n = int(t) * load.per_thread + int(i)
            text = SPAM.format(n=n) if n % 3 == 0 else ham(n)
            r = m.request("POST", "/v1/sites/crash/comments",
                          {"id": cid, "article_id": "a1", "text": text,
                           "author": {"name": "user%d" % n}})
            first = load.answers[cid][1]
            assert r.status == 200, (cid, r)
            assert r.json["status"] == settled(first) and r.json["score"] == first["score"], \
                (cid, r.json, first)
        assert len(m.queue("crash")) == c["queue_size"]


def test_graceful_shutdown_drains(binary):
    """SIGTERM (drain_seconds 0) with slow requests in flight (bodies still
    being uploaded, handlers waiting on a hung Redis): new connections are
    refused, the in-flight ones are answered, the spool is flushed into
    Redis by the last replay, modq exits 0 well within connection_timeout."""
    env_vars = dict(FAULT_ENV, MODQ_DRAIN_SECONDS="0", MODQ_REDIS_TIMEOUT_MS="1500")
    with Env(binary, env_vars) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/drain/articles/a1", ARTICLE).status == 201
        results = {}

        def slow_upload(cid, pause):
            body = json.dumps({"id": cid, "article_id": "a1", "text": SPAM.format(n=len(cid)),
                               "author": {"name": cid}}).encode()
            s = socket.create_connection(("127.0.0.1", m.port), 15)
            s.sendall(("POST /v1/sites/drain/comments HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n" % (CLIENT_KEY, len(body))).encode())
            s.sendall(body[:10])
            time.sleep(pause)
            s.sendall(body[10:])
            data = b""
            s.settimeout(15)
            try:
                while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            s.close()
            results[cid] = data

        def slow_handler(cid):
            try:
                r = m.request("POST", "/v1/sites/drain/comments",
                              {"id": cid, "article_id": "a1", "text": SPAM.format(n=7),
                               "author": {"name": cid}}, timeout=15)
                results[cid] = b"HTTP/1.1 %d " % r.status + r.raw
            except OSError as e:
                results[cid] = repr(e).encode()

        # uploads that finish after SIGTERM
        ths = [threading.Thread(target=slow_upload, args=("up%d" % i, 2.5)) for i in range(3)]
        for th in ths:
            th.start()
        time.sleep(0.3)
        # handlers stuck on a hung Redis when SIGTERM arrives
        os.kill(env.redis.proc.pid, signal.SIGSTOP)
        hs = [threading.Thread(target=slow_handler, args=("hung%d" % i,)) for i in range(2)]
        for th in hs:
            th.start()
        time.sleep(0.3)
        t0 = time.time()
        m.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        refused = False
        try:
            m.request("GET", "/healthz", key=None, timeout=1)
        except OSError:
            refused = True
        os.kill(env.redis.proc.pid, signal.SIGCONT)   # the last replay can flush
        for th in ths + hs:
            th.join(20)
        rc = m.proc.wait(20)
        took = time.time() - t0
        m.proc = None
        m.logf.close()
        print("  graceful shutdown: exit %d after %.1fs, new connection refused=%s, answers=%s"
              % (rc, took, refused, {k: v[:12] for k, v in sorted(results.items())}))
        assert rc == 0, m.log()[-2000:]
        assert refused, "a new connection was served after SIGTERM"
        assert took < 8, took
        for cid, data in results.items():
            assert data.startswith(b"HTTP/1.1 201"), (cid, data[:300])
        # flushed: nothing left in the spool, everything in Redis (as a
        # modq started afresh on the same spool shows)
        spool = m.env["MODQ_SPOOL_DIR"]
        left = [f for f in os.listdir(spool) if os.path.getsize(os.path.join(spool, f)) > 0]
        assert not left, left
        m.start()
        for cid in ("up0", "up1", "up2", "hung0", "hung1"):
            r = m.request("GET", "/v1/sites/drain/comments/%s" % cid)
            assert r.status == 200, (cid, r)
