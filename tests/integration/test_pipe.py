"""test_pipe.py - the pipelined comment path: deferred answers, requests
beyond the pipeline's capacity, the synchronous path, Redis dying under the
pipelined load -- all seen from outside, through the API.

POST /v1/sites/{site}/comments is deferred (http_defer) and answered from
one of pipeline_threads threads, which sends the Redis look-ups and writes
of many requests together. Idempotency by comment id rests on a claim
taken by the look-up and dropped by the write: a request that finds neither
record nor claim polls again every 5 ms for COMMENT_CLAIM_WAIT_MS (3 s), then
answers 409 comment_in_progress. The claims themselves (held elsewhere,
left behind, at shutdown) are checked in test_store_claims.py.
"""
import os
import signal
import threading
import time

from harness import Env
from test_faults import (ARTICLE, FAULT_ENV, SPAM, Load, ham, settled, verify,
                         wait_spool_empty)

HAM = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
       "the council made the right decision, though shop owners need a plan for deliveries.")
LINK_SPAM = SPAM.format(n=1)


def post(m, site, cid, text, name="Ann", aid="a1", timeout=15):
    return m.request("POST", "/v1/sites/%s/comments" % site,
                     {"id": cid, "article_id": aid, "text": text, "author": {"name": name}},
                     timeout=timeout)


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


def check_race(m, site, cid, text, n, name):
    """One race on a fresh author: every answer 200/201, exactly one 201,
    one verdict, the same bytes; queued once if pending. Returns the 201's
    verdict. (What it leaves in Redis: test_store_claims.py.)"""
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
    g = m.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
    assert g.status == 200 and g.json["status"] == created["status"], (g, created)
    assert g.json["score"] == created["score"], (g.json, created)
    queued = m.queue(site)
    assert queued == ([cid] if created["status"] == "pending" else []), (cid, queued, created)
    return created


# ----------------------------------------------------------------- tests

# (site, comment id, text, author): a fresh site and author per race, so
# that the site's keys and the author's flood counter are this race's alone
RACES = [
    ("race-ham", "same-ham", HAM, "racer-ham"),
    ("race-spam", "same-spam", LINK_SPAM, "racer-spam"),
]
RACERS = 16


def test_racing_posts_of_one_id_get_one_201_and_one_verdict(binary):
    """16 clients POST one (site, id) at once: one 201, fifteen 200 with
    the same verdict; stored and queued once, counted once."""
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        verdicts = {}
        for site, cid, text, name in RACES:
            assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
            verdicts[cid] = check_race(m, site, cid, text, RACERS, name)["status"]
        assert verdicts == {"same-ham": "approved", "same-spam": "pending"}, verdicts
        r201 = metric(m, 'modq_http_requests_total{route="comment_post",status="201"}')
        r200 = metric(m, 'modq_http_requests_total{route="comment_post",status="200"}')
        assert (r201, r200) == (len(RACES), len(RACES) * (RACERS - 1)), (r201, r200)
        assert metric(m, 'modq_comments_total{status="approved"}') == 1
        assert metric(m, 'modq_comments_total{status="pending"}') == 1
        print("    pipe: %d races of %d requests: one 201 each, verdicts %s"
              % (len(RACES), RACERS, verdicts))


SYNC_CASES = [("s-ham", HAM, "Ann", ("approved",)),
              ("s-spam", LINK_SPAM, "promo", ("pending", "rejected"))]


def test_synchronous_path_answers_as_the_pipeline(binary):
    """pipeline_threads 0: each comment on its HTTP worker with its own
    round trips. Verdicts, read-back and idempotency as before."""
    with Env(binary, {"MODQ_PIPELINE_THREADS": "0"}) as env:
        m = env.modq
        site = "sync"
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        first = {}
        for cid, text, name, allowed in SYNC_CASES:
            r = post(m, site, cid, text, name=name)
            assert r.status == 201, (cid, r)
            assert r.json["status"] in allowed, (cid, r.json)
            first[cid] = r
        assert "link_spam" in {f["code"] for f in first["s-spam"].json["flags"]}, \
            first["s-spam"].json
        for cid, text, name, _ in SYNC_CASES:
            g = m.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
            assert g.status == 200 and g.json == first[cid].json, (cid, g.json, first[cid].json)
            r = post(m, site, cid, text, name=name)
            assert r.status == 200, (cid, r)
            assert r.raw == first[cid].raw, (cid, r.raw, first[cid].raw)


def test_synchronous_path_races_like_the_pipeline(binary):
    """The claims hold on the synchronous path too: one 201 per raced id."""
    with Env(binary, {"MODQ_PIPELINE_THREADS": "0"}) as env:
        check_race(env.modq, "sync-race", "same-sync", LINK_SPAM, 8, "racer-sync")


def test_nothing_lost_when_redis_dies_under_pipelined_load(binary):
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
        # still ready: the spool answers while Redis is down
        assert r.status == 200 and r.json["redis"] == "down" and r.json["spool"]["pending"] > 0, r
        spooled = r.json["spool"]["pending"]
        env.redis.start()                      # same port and dir, AOF
        down_for = time.time() - t_down
        load.join()
        wait_spool_empty(m)
        assert not load.bad, ("non-2xx answers", load.bad[:5])
        assert not load.unanswered, load.unanswered[:5]
        c = verify(m, load, site, "pipe redis kill")
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
            assert (r.json["status"], r.json["score"]) == (settled(first), first["score"]), \
                (cid, r.json, first)
        qsize = len(m.queue(site))
        assert qsize == c["queue_size"], (qsize, c)


def test_a_redis_restart_between_comments_fails_none(binary):
    """Redis restarts while modq sits idle (no request in between): the
    next comments are stored at once, not answered from the spool, on the
    pipelined path and on the synchronous one -- the connections the
    restart closed are noticed before use, not failed on."""
    for threads in ("1", "0"):
        with Env(binary, {"MODQ_PIPELINE_THREADS": threads, "MODQ_FLOOD_MAX": "0"}) as env:
            m = env.modq
            site = "idle%s" % threads
            assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
            r = post(m, site, "before", HAM, name="ann")
            assert r.status == 201 and not r.json.get("provisional"), (threads, r.json)
            for round_ in range(2):
                env.redis.stop()               # SIGKILL, then back on its port
                env.redis.start()
                # back as modq sees it: after a failure the pool skips Redis
                # for 250 ms (spooling meanwhile), so wait for /readyz to
                # have reached it again; the lane's connection and the other
                # pooled ones are still the ones the restart closed
                deadline = time.time() + 10
                while time.time() < deadline:
                    r = m.request("GET", "/readyz", key=None)
                    if r.status == 200 and r.json.get("redis") == "up":
                        break
                    time.sleep(0.02)
                assert r.json.get("redis") == "up", (threads, r.json)
                cid = "after%d" % round_
                r = post(m, site, cid, HAM + " Round %d." % round_, name="bo%d" % round_)
                assert r.status == 201 and not r.json.get("provisional"), \
                    (threads, cid, r.json, m.log()[-2000:])
                assert env.redis.cli("EXISTS", "modq:{%s}:comment:%s" % (site, cid)) == "1", \
                    (threads, cid, env.redis.cli("KEYS", "*%s*" % cid))
                r = post(m, site, "before", HAM, name="ann")
                assert r.status == 200, (threads, r.json)


PIPELINE_SLOTS = 64  # COMMENT_MAX_PIPELINED
# 3 x PIPELINE_SLOTS connections, all from 127.0.0.1
BEYOND_ENV = {"MODQ_REDIS_TIMEOUT_MS": "10000", "MODQ_MAX_CONNECTIONS_PER_IP": "1024"}


def kind(i):
    """What request i of the flood below sends."""
    return "bad_json" if i % 17 == 5 else "no_text" if i % 19 == 7 else "ok"


def flood_beyond_capacity(env, site):
    """3 x PIPELINE_SLOTS requests at once on as many connections while
    Redis is paused (SIGSTOP, well inside redis_timeout_ms), so the slots
    are all taken and the rest must wait; some bodies are not JSON, some
    lack a field. Asserts nothing was stored while Redis was stopped and
    that every request got its right status after SIGCONT. Returns the
    indexes of the good ones (comment id w<i>)."""
    m = env.modq
    assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
    n = 3 * PIPELINE_SLOTS
    go = threading.Barrier(n + 1)
    out = [None] * n

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
    return good


def test_requests_beyond_pipeline_capacity_wait_for_a_slot(binary):
    """More requests at once than the pipeline takes (COMMENT_MAX_PIPELINED):
    the rest wait, suspended and undecoded, for a slot, and are decoded and
    answered by the pipe's threads. Every request answered with its right
    status, every good one stored once (none spooled), nothing left waiting
    (SIGTERM then exits 0)."""
    with Env(binary, BEYOND_ENV) as env:
        m = env.modq
        site = "wide"
        good = flood_beyond_capacity(env, site)
        c = m.client()
        try:
            stored = [i for i in range(3 * PIPELINE_SLOTS)
                      if c.request("GET", "/v1/sites/%s/comments/w%d" % (site, i)).status == 200]
        finally:
            c.close()
        assert stored == good, (len(stored), len(good))
        assert metric(m, 'modq_http_requests_total{route="comment_post",status="201"}') == len(good)
        assert metric(m, "modq_spooled_total") == 0, "Redis was paused, not gone: nothing spooled"
        rc = m.stop(timeout=15)
        assert rc == 0, ("modq exited %r after SIGTERM" % rc, m.log()[-3000:])
