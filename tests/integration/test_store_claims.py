"""test_store_claims.py - the claims behind idempotency by comment id, in
Redis: SET modq:{S}:claim:<id> NX PX 30000, taken by the look-up and dropped
by the write transaction. A request that finds neither record nor claim
polls again every 5 ms for COMMENT_CLAIM_WAIT_MS (3 s), then answers 409
comment_in_progress.

These tests hold claims themselves (as another instance would), and read
back what modq left: one record, one queue entry and one flood count per
raced id, no claim once the id is stored -- on the pipelined path, on the
synchronous one, beyond the pipeline's capacity, and at SIGTERM with
deferred requests whose clients have gone.
"""
import json
import re
import signal
import socket
import subprocess
import threading
import time

from harness import CLIENT_KEY, Env
from test_faults import ARTICLE, SPAM, ham
from test_pipe import (BEYOND_ENV, HAM, LINK_SPAM, RACERS, RACES,
                       SYNC_CASES, check_race, flood_beyond_capacity, metric, post)

CLAIM_WAIT = 3.0     # COMMENT_CLAIM_WAIT_MS


def key(site, part, rest=""):
    """A site's key, as store_key writes it: modq:{<site>}:<part><rest>."""
    return "modq:{%s}:%s%s" % (site, part, rest)


def scan(redis, pattern):
    out = subprocess.run(["redis-cli", "-p", str(redis.port), "--scan", "--pattern", pattern],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    return sorted(k for k in out.stdout.splitlines() if k)


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


def check_stored_once(env, site, cid, created):
    """After a race on a fresh site and author: one record holding the
    answered verdict, queued once if pending, the flood counter at 1."""
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


def test_raced_id_is_stored_once_and_leaves_no_claim(binary):
    """16 clients POST one (site, id) at once: one record, one queue entry,
    flood counted once, no claim left."""
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        left = {}
        for site, cid, text, name in RACES:
            assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
            created = check_race(m, site, cid, text, RACERS, name)
            check_stored_once(env, site, cid, created)
            left.update(claims_left(env, site, [cid]))
        # last, so that a failure here leaves the rest checked: the claims
        # went with the write transaction and no later look-up took one
        assert not left, (CLAIM_LEAK, left)


def test_claim_held_elsewhere_is_409_after_the_wait(binary):
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


def test_synchronous_path_takes_and_drops_claims_too(binary):
    """pipeline_threads 0: stored ids leave no claim, a raced id is stored
    once, a claim held elsewhere answers 409 (the wait sleeps on the
    worker) and stays untouched."""
    with Env(binary, {"MODQ_PIPELINE_THREADS": "0"}) as env:
        m = env.modq
        site = "sync"
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        for cid, text, name, _ in SYNC_CASES:
            assert post(m, site, cid, text, name=name).status == 201
            assert post(m, site, cid, text, name=name).status == 200
        left = claims_left(env, site, [c[0] for c in SYNC_CASES])
        created = check_race(m, "sync-race", "same-sync", LINK_SPAM, 8, "racer-sync")
        check_stored_once(env, "sync-race", "same-sync", created)
        left.update(claims_left(env, "sync-race", ["same-sync"]))
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


def test_sigterm_with_clients_gone_leaves_whole_records(binary):
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


def test_requests_beyond_pipeline_capacity_leave_no_claim(binary):
    """The flood of test_pipe.py beyond COMMENT_MAX_PIPELINED: every good id
    stored once, no claim left behind."""
    with Env(binary, BEYOND_ENV) as env:
        site = "wide"
        good = flood_beyond_capacity(env, site)
        stored = scan(env.redis, key(site, "comment:", "w*"))
        assert stored == sorted(key(site, "comment:", "w%d" % i) for i in good), \
            (len(stored), len(good))
        assert not claims_left(env, site, ["w%d" % i for i in good])
