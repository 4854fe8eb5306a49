"""test_pipe.py - the pipelined comment path (store_pipe.c, api_comments.c):
claims instead of WATCH, deferred answers, shutdown, Redis outages.

POST /v1/sites/{site}/comments is deferred (http_defer) and answered from
one of pipeline_threads threads, which sends the Redis look-ups and writes
of many requests together. Idempotency by comment id rests on a claim
(SET modq:{S}:claim:<id> NX PX 30000, taken by the look-up, dropped by the
write): a request that finds neither record nor claim polls again every
5 ms for API_CLAIM_WAIT_MS (3 s), then answers 409 comment_in_progress.
These tests check that contract from outside: one write per id however
many requests race for it, a held claim answered 409 without holding up
anything else, the synchronous path (pipeline_threads 0) unchanged,
SIGTERM with deferred requests whose clients have gone, and nothing lost
when Redis dies under the pipelined load.
"""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from harness import CLIENT_KEY, Env
from test_faults import (ARTICLE, FAULT_ENV, SPAM, Load, ham, resp, verify,
                         wait_spool_empty)

HAM = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
       "the council made the right decision, though shop owners need a plan for deliveries.")
LINK_SPAM = SPAM.format(n=1)
CLAIM_WAIT = 3.0     # API_CLAIM_WAIT_MS in service/api_comments.c


def post(m, site, cid, text, name="Ann", aid="a1", timeout=15):
    return m.request("POST", "/v1/sites/%s/comments" % site,
                     {"id": cid, "article_id": aid, "text": text, "author": {"name": name}},
                     timeout=timeout)


def key(site, part, rest=""):
    """store_key in service/store.c: modq:{<site>}:<part><rest>."""
    return "modq:{%s}:%s%s" % (site, part, rest)


def scan(redis, pattern):
    out = subprocess.run(["redis-cli", "-p", str(redis.port), "--scan", "--pattern", pattern],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    return sorted(k for k in out.stdout.splitlines() if k)


def metric(m, line_prefix):
    """The value of the /metrics sample whose line starts with line_prefix
    (0 when the sample is absent: counters at 0 are not all printed)."""
    text = m.request("GET", "/metrics", key=None).raw.decode()
    for line in text.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.split()[-1])
    return 0


def race(m, site, cid, text, n, name):
    """POST the same (site, id, body) from n threads at once, each on a
    connection of its own. Returns the n answers (or exceptions)."""
    go = threading.Barrier(n)
    out = [None] * n

    def one(i):
        try:
            go.wait(10)
            out[i] = post(m, site, cid, text, name=name)
        except Exception as e:  # reported by the caller, with the log
            out[i] = e
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    return out


def claims_left(env, site, ids):
    """{id: PTTL} of the ids whose claim key still exists."""
    left = {}
    for cid in ids:
        ttl = int(env.redis.cli("PTTL", key(site, "claim:", cid)))
        if ttl != -2:
            left[cid] = ttl
    return left


CLAIM_LEAK = ("claim keys left behind once their ids were stored ({id: PTTL ms}): the look-up "
              "takes the claim (SET NX) even when it finds the record, and nothing drops it")


def check_race(env, m, site, cid, text, n, name):
    """One race on a fresh author: every answer 200/201, exactly one 201,
    one verdict; stored, queued, counted once. The claim is checked by the
    caller (claims_left), after everything else."""
    answers = race(m, site, cid, text, n, name)
    errs = [a for a in answers if not hasattr(a, "status")]
    assert not errs, (errs[:3], m.log()[-3000:])
    statuses = sorted(a.status for a in answers)
    assert set(statuses) <= {200, 201}, (cid, [a for a in answers if a.status not in (200, 201)])
    assert statuses.count(201) == 1, (cid, "expected exactly one 201", statuses)
    created = [a for a in answers if a.status == 201][0].json
    for a in answers:
        for field in ("id", "status", "score", "flags"):
            assert a.json[field] == created[field], (cid, field, a.json, created)
    # the 200s are read back from the record the 201 stored: the same bytes
    bodies = {a.raw for a in answers}
    assert len(bodies) == 1, (cid, "the answers differ", bodies)
    # Redis: one record, the answered verdict, queued once if pending
    stored = scan(env.redis, key(site, "comment:", "*"))
    assert stored == [key(site, "comment:", cid)], (cid, stored)
    rec = json.loads(env.redis.cli("GET", key(site, "comment:", cid)))
    assert rec["status"] == created["status"] and rec["score"] == created["score"], (rec, created)
    queued = env.redis.cli("ZRANGE", key(site, "pending"), 0, -1).split()
    assert queued == ([cid] if created["status"] == "pending" else []), (cid, queued, created)
    # counted once: the flood counter of this (test-unique) author is 1
    flood = scan(env.redis, key(site, "flood:a:", "*"))
    assert len(flood) == 1, (cid, flood)
    assert env.redis.cli("GET", flood[0]) == "1", (cid, flood[0], env.redis.cli("GET", flood[0]))
    return created


# ----------------------------------------------------------------- tests

# (site, comment id, text, author): a fresh site and author per race, so
# that the site's keys and the author's flood counter are this race's alone
RACES = [
    ("race-ham", "same-ham", HAM, "racer-ham"),
    ("race-spam", "same-spam", LINK_SPAM, "racer-spam"),
]
RACERS = 16


def test_concurrent_same_id(binary):
    """16 clients POST one (site, id) at once: one 201, fifteen 200 with
    the same verdict; one record, one queue entry, flood counted once, no
    claim left."""
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        verdicts, left = {}, {}
        for site, cid, text, name in RACES:
            assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
            verdicts[cid] = check_race(env, m, site, cid, text, RACERS, name)["status"]
            left.update(claims_left(env, site, [cid]))
        assert verdicts == {"same-ham": "approved", "same-spam": "pending"}, verdicts
        r201 = metric(m, 'modq_http_requests_total{route="comment_post",status="201"}')
        r200 = metric(m, 'modq_http_requests_total{route="comment_post",status="200"}')
        assert (r201, r200) == (len(RACES), len(RACES) * (RACERS - 1)), (r201, r200)
        assert metric(m, 'modq_comments_total{status="approved"}') == 1
        assert metric(m, 'modq_comments_total{status="pending"}') == 1
        print("    pipe: %d races of %d requests: one 201 each, verdicts %s"
              % (len(RACES), RACERS, verdicts))
        # last, so that a failure here leaves the rest checked: the claims
        # went with the write transaction and no later look-up took one
        assert not left, (CLAIM_LEAK, left)


def test_claim_held_elsewhere_409(binary):
    """An id whose claim another holder keeps: 409 comment_in_progress with
    Retry-After after ~3 s, the claim untouched, nothing stored -- and other
    comments are answered promptly all the while. Once the claim is gone
    the id is stored (201)."""
    with Env(binary) as env:
        m = env.modq
        site, cid = "held", "held1"
        ck = key(site, "claim:", cid)
        assert env.redis.cli("SET", ck, "1", "PX", "60000") == "OK"
        blocked = {}

        def send_blocked():
            t0 = time.time()
            try:
                blocked["r"] = post(m, site, cid, HAM)
            except Exception as e:
                blocked["r"] = e
            blocked["t"] = (t0, time.time())
        th = threading.Thread(target=send_blocked)
        th.start()
        others = []   # (id, status, start, end) posted while the blocked one waits
        i = 0
        while th.is_alive() and i < 100:
            t0 = time.time()
            r = post(m, site, "other%d" % i, ham(i), name="other%d" % i, timeout=5)
            others.append(("other%d" % i, r.status, t0, time.time()))
            i += 1
            time.sleep(0.1)  # pacing, not an assertion: ~25 requests over the wait
        th.join(15)
        assert not th.is_alive(), "the blocked request was never answered"
        r = blocked["r"]
        assert hasattr(r, "status"), (r, m.log()[-3000:])
        t_start, t_end = blocked["t"]
        waited = t_end - t_start
        assert r.status == 409, r
        assert r.json["error"]["code"] == "comment_in_progress", r.json
        assert r.json["error"].get("field") == "id", r.json
        assert r.headers.get("Retry-After") == "1", r.headers
        assert CLAIM_WAIT - 0.5 <= waited < CLAIM_WAIT + 3, ("409 after %.2fs" % waited)
        # the others: served during the wait, each fast
        during = [o for o in others if o[2] > t_start and o[3] < t_end]
        assert len(during) >= 5, ("too few requests overlapped the wait", len(during), others)
        slow = [(o[0], o[1], round(o[3] - o[2], 3)) for o in others
                if o[1] != 201 or o[3] - o[2] >= 1.0]
        assert not slow, ("requests slowed or refused during the claim wait", slow)
        # the 409 took nothing: claim still the other holder's, no record
        assert int(env.redis.cli("PTTL", ck)) > 50000, env.redis.cli("PTTL", ck)
        assert env.redis.cli("EXISTS", key(site, "comment:", cid)) == "0"
        assert metric(m, 'modq_http_requests_total{route="comment_post",status="409"}') == 1
        # released: the id is stored on the next try, and the claim dropped
        assert env.redis.cli("DEL", ck) == "1"
        t0 = time.time()
        r = post(m, site, cid, HAM)
        assert r.status == 201 and r.json["id"] == cid, r
        assert time.time() - t0 < 1.0, time.time() - t0
        assert env.redis.cli("EXISTS", ck) == "0"
        print("    pipe: 409 after %.2fs; %d other comments answered meanwhile, slowest %.3fs"
              % (waited, len(during), max(o[3] - o[2] for o in others)))


def test_synchronous_mode(binary):
    """pipeline_threads 0: each comment on its HTTP worker with its own
    round trips. Verdicts, read-back and idempotency as before; the claims
    hold there too (one 201 per raced id; a held claim answers 409)."""
    with Env(binary, {"MODQ_PIPELINE_THREADS": "0"}) as env:
        m = env.modq
        site = "sync"
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        cases = [("s-ham", HAM, "Ann", ("approved",)),
                 ("s-spam", LINK_SPAM, "promo", ("pending", "rejected"))]
        first = {}
        for cid, text, name, allowed in cases:
            r = post(m, site, cid, text, name=name)
            assert r.status == 201, (cid, r)
            assert r.json["status"] in allowed, (cid, r.json)
            first[cid] = r
        assert "link_spam" in {f["code"] for f in first["s-spam"].json["flags"]}, \
            first["s-spam"].json
        for cid, text, name, _ in cases:
            g = m.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
            assert g.status == 200 and g.json == first[cid].json, (cid, g.json, first[cid].json)
            r = post(m, site, cid, text, name=name)
            assert r.status == 200, (cid, r)
            assert r.raw == first[cid].raw, (cid, r.raw, first[cid].raw)
        left = claims_left(env, site, [c[0] for c in cases])
        # the claims in the synchronous path: a race ...
        check_race(env, m, "sync-race", "same-sync", LINK_SPAM, 8, "racer-sync")
        left.update(claims_left(env, "sync-race", ["same-sync"]))
        # ... and a claim held elsewhere (the wait sleeps on the worker)
        ck = key(site, "claim:", "held")
        env.redis.cli("SET", ck, "1", "PX", "60000")
        t0 = time.time()
        r = post(m, site, "held", HAM)
        waited = time.time() - t0
        assert r.status == 409 and r.json["error"]["code"] == "comment_in_progress", r
        assert r.headers.get("Retry-After") == "1", r.headers
        assert CLAIM_WAIT - 0.5 <= waited < CLAIM_WAIT + 3, waited
        assert env.redis.cli("EXISTS", key(site, "comment:", "held")) == "0"
        assert int(env.redis.cli("PTTL", ck)) > 50000, env.redis.cli("PTTL", ck)
        assert not left, (CLAIM_LEAK, left)


MONITOR_CLAIM = re.compile(r'"SET" "modq:\{([^}]+)\}:claim:([^"]+)"')


class ClaimWatch:
    """Redis MONITOR on a connection of its own: which ids had a claim
    look-up (so: reached the comment path), as (site, id)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 10)
        self.sock.sendall(b"MONITOR\r\n")
        self.f = self.sock.makefile("rb")
        ok = self.f.readline().strip()  # every command from here on is seen
        assert ok == b"+OK", ok
        self.sock.settimeout(None)
        self.seen = set()
        self.marked = False
        self.lock = threading.Lock()
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        try:
            for line in self.f:
                text = line.decode(errors="replace")
                mm = MONITOR_CLAIM.search(text)
                with self.lock:
                    if mm:
                        self.seen.add((mm.group(1), mm.group(2)))
                    elif '"ECHO" "settle-' in text:
                        self.marked = True
        except (OSError, ValueError):
            pass  # closed

    def wait(self, wanted, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if wanted <= self.seen:
                    return
            time.sleep(0.01)
        with self.lock:
            raise AssertionError(("no claim look-up seen for", sorted(wanted - self.seen)))

    def settle(self, redis):
        """Wait until MONITOR has shown everything Redis ran before now."""
        marker = "settle-%d" % id(self)
        redis.cli("ECHO", marker)
        end = time.time() + 10
        while time.time() < end:
            with self.lock:
                if self.marked:
                    return
            time.sleep(0.01)
        raise AssertionError("MONITOR never showed the ECHO marker")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.th.join(5)


def raw_post(port, site, cid, text, name):
    body = json.dumps({"id": cid, "article_id": "a1", "text": text,
                       "author": {"name": name}}).encode()
    s = socket.create_connection(("127.0.0.1", port), 5)
    # HTTP/1.1 without Connection: close -- a keep-alive connection
    s.sendall(("POST /v1/sites/%s/comments HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n" % (site, CLIENT_KEY, len(body))).encode() + body)
    return s


def test_shutdown_with_clients_gone(binary):
    """32 keep-alive clients send a comment and hang up without reading the
    answer -- half of them while their request is deferred on a claim held
    elsewhere -- then SIGTERM: modq exits 0 within 10 s, and what it stored
    is whole (record, queue, no claim left)."""
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        site = "gone"
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        held = ["held%d" % i for i in range(16)]
        free = ["free%d" % i for i in range(16)]
        for cid in held:
            assert env.redis.cli("SET", key(site, "claim:", cid), "1", "PX", "60000") == "OK"
        watch = ClaimWatch(env.redis.port)
        try:
            socks = [raw_post(m.port, site, cid, SPAM.format(n=i), "h%d" % i)
                     for i, cid in enumerate(held)]
            # the held ones are deferred (polling their claim) before anyone hangs up
            watch.wait({(site, cid) for cid in held})
            for i, cid in enumerate(free):
                s = raw_post(m.port, site, cid, SPAM.format(n=100 + i) if i % 2 else ham(i),
                             "f%d" % i)
                s.close()                     # gone before the answer
            for s in socks:
                s.close()                     # gone while deferred
            t0 = time.time()
            m.proc.send_signal(signal.SIGTERM)
            try:
                rc = m.proc.wait(10)
            except subprocess.TimeoutExpired:
                rc = None               # hung: killed below, reported last
                m.proc.kill()
                m.proc.wait()
            took = time.time() - t0
            m.proc = None
            m.logf.close()
            watch.settle(env.redis)     # every look-up modq sent is in watch.seen
        finally:
            watch.close()
        # what modq stored is whole: a record with its claim dropped, queued
        # iff pending -- or nothing at all (no claim, no queue entry)
        reached = {cid for s_, cid in watch.seen if s_ == site}
        stored = []
        for cid in free:
            rec = env.redis.cli("GET", key(site, "comment:", cid))
            claim = env.redis.cli("EXISTS", key(site, "claim:", cid))
            score = env.redis.cli("ZSCORE", key(site, "pending"), cid)
            if rec:
                stored.append(cid)
                status = json.loads(rec)["status"]
                assert claim == "0", (cid, "stored but its claim was left")
                assert (score != "") == (status == "pending"), (cid, status, score)
            else:
                assert claim == "0", (cid, "claim left without a record")
                assert score == "", (cid, "queued without a record")
        assert set(stored) <= reached, ("stored without a look-up seen", set(stored) - reached)
        # the held ones answered 409 to nobody: nothing stored, claim untouched
        for cid in held:
            assert env.redis.cli("EXISTS", key(site, "comment:", cid)) == "0", cid
            assert int(env.redis.cli("PTTL", key(site, "claim:", cid))) > 40000, cid
        print("    pipe: SIGTERM with 32 clients gone: exit %r after %.1fs; %d/16 free comments "
              "reached the pipe, %d stored" % (rc, took, len(reached & set(free)), len(stored)))
        assert rc is not None, ("modq hung: still running 10 s after SIGTERM", m.log()[-3000:])
        assert rc == 0, ("modq exited %r after SIGTERM" % rc, m.log()[-3000:])


def test_redis_killed_under_pipelined_load(binary):
    """SIGKILL redis-server under a pipelined load (8 keep-alive clients,
    200 comments), restart it: every request answered, the spool replayed,
    every comment answered pending is queued once, none lost; the ids again
    get 200 and their stored verdict, not a 409 from a claim the outage
    left behind."""
    with Env(binary, FAULT_ENV) as env:
        m = env.modq
        site = "pout"
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        load = Load(lambda: m.port, site, threads=8, per_thread=25, prefix="p",
                    pace=0.01).start()
        load.wait_done(0.3)
        env.redis.stop()                       # SIGKILL
        t_down = time.time()
        load.wait_done(0.6)
        time.sleep(max(0.0, 1.0 - (time.time() - t_down)))  # down for 1 s at least
        r = m.request("GET", "/readyz", key=None)
        assert r.status == 503 and r.json["spool_pending"] > 0, r
        spooled = r.json["spool_pending"]
        env.redis.start()                      # same port and dir, AOF
        down_for = time.time() - t_down
        load.join()
        wait_spool_empty(m)
        assert not load.bad, ("non-2xx answers", load.bad[:5])
        assert not load.unanswered, load.unanswered[:5]
        c = verify(env, load, site, "pipe redis kill")
        assert c["answered"] == load.total() and c["pending"] >= load.total() // 4, c
        print("    pipe: redis down %.1fs, %d records spooled at restart" % (down_for, spooled))
        # the same ids again (every 10th): 200 with the stored verdict, fast
        again = sorted(load.answers)[::10]
        for cid in again:
            t, i = cid[1:].split("-")
            n = int(t) * load.per_thread + int(i)
            text = SPAM.format(n=n) if n % 3 == 0 else ham(n)
            t0 = time.time()
            r = post(m, site, cid, text, name="user%d" % n)
            first = load.answers[cid][1]
            assert r.status == 200, (cid, r)
            assert time.time() - t0 < 1.0, (cid, time.time() - t0)
            assert (r.json["status"], r.json["score"]) == (first["status"], first["score"]), \
                (cid, r.json, first)
        qsize = resp(env.redis.port, [["ZCARD", key(site, "pending")]])[0]
        assert qsize == c["queue_size"], (qsize, c)


PIPELINE_SLOTS = 64  # API_MAX_PIPELINED in service/api_comments.c


def test_beyond_pipeline_capacity(binary):
    """More requests at once than the pipeline takes (API_MAX_PIPELINED):
    the rest wait, suspended and undecoded, for a slot, and are decoded and
    answered by the pipe's threads. Redis is paused (SIGSTOP, well inside
    redis_timeout_ms) while 3 x the slots are sent at once on as many
    connections, so the slots are all taken and the rest must wait; some
    bodies are not JSON and some lack a field. After SIGCONT: every request
    answered with its right status, every good one stored once (none
    spooled), nothing left waiting (SIGTERM then exits 0)."""
    with Env(binary, {"MODQ_REDIS_TIMEOUT_MS": "10000"}) as env:
        m = env.modq
        site = "wide"
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        n = 3 * PIPELINE_SLOTS
        go = threading.Barrier(n + 1)
        out = [None] * n

        def kind(i):
            return "bad_json" if i % 17 == 5 else "no_text" if i % 19 == 7 else "ok"

        def one(i):
            try:
                go.wait(20)
                k = kind(i)
                if k == "bad_json":
                    out[i] = m.request("POST", "/v1/sites/%s/comments" % site,
                                       raw=b'{"id": "w%d", "text": ' % i, timeout=60)
                elif k == "no_text":
                    out[i] = m.request("POST", "/v1/sites/%s/comments" % site,
                                       {"id": "w%d" % i, "article_id": "a1",
                                        "author": {"name": "Ann"}}, timeout=60)
                else:
                    out[i] = post(m, site, "w%d" % i, ham(i), name="reader%d" % i, timeout=60)
            except Exception as e:  # reported below, with the log
                out[i] = e
        ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in ts:
            t.start()
        os.kill(env.redis.proc.pid, signal.SIGSTOP)
        try:
            go.wait(20)
            # setup, not an assertion: let every request arrive while the
            # slots hold look-ups Redis cannot answer yet
            time.sleep(3)
            done = [i for i, o in enumerate(out) if o is not None and kind(i) == "ok"]
            assert not done, ("stored while Redis was stopped", done[:5], out[done[0]])
        finally:
            os.kill(env.redis.proc.pid, signal.SIGCONT)
        for t in ts:
            t.join(60)
        errs = [(i, o) for i, o in enumerate(out) if not hasattr(o, "status")]
        assert not errs, (errs[:3], m.log()[-3000:])
        want = {"ok": 201, "bad_json": 400, "no_text": 422}
        wrong = [(i, kind(i), o.status) for i, o in enumerate(out) if o.status != want[kind(i)]]
        assert not wrong, wrong[:10]
        good = [i for i in range(n) if kind(i) == "ok"]
        assert all(out[i].json["id"] == "w%d" % i for i in good)
        stored = scan(env.redis, key(site, "comment:", "w*"))
        assert stored == sorted(key(site, "comment:", "w%d" % i) for i in good), \
            (len(stored), len(good))
        assert metric(m, 'modq_http_requests_total{route="comment_post",status="201"}') == len(good)
        assert metric(m, "modq_spooled_total") == 0, "Redis was paused, not gone: nothing spooled"
        assert not claims_left(env, site, ["w%d" % i for i in good])
        rc = m.stop(timeout=15)
        assert rc == 0, ("modq exited %r after SIGTERM" % rc, m.log()[-3000:])
