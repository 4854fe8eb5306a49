"""test_comment_pipeline.py - one comment pipeline (service/comment/), two
transports under its one driver.

Through the pipe's lanes (pipeline_threads 2) and on pool connections
(pipeline_threads 0) the same requests get the same answers: verdicts and
flags, 200 and the same bytes for a stored id, a duplicate, the thread,
the exact error body, one "verdict" event per stored comment. And a lane
sends all of a comment's round trips on its own connection: Redis' MONITOR
shows the look-up, its second round trip after a df version change, the
write and the verdict event (also its EVAL after SCRIPT FLUSH) all coming
from the one lane connection (pipeline_threads 1), none from the pool's.
"""
import os
import re
import subprocess
import time

from harness import Env, free_port
from test_faults import ARTICLE, SPAM, ham

SITE = "cp"
HAM = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
       "the council made the right decision, though shop owners need a plan for deliveries.")


def post(m, cid, text, name="Ann", aid="a1"):
    body = {"article_id": aid, "text": text, "author": {"name": name}}
    if cid:
        body["id"] = cid
    return m.request("POST", "/v1/sites/%s/comments" % SITE, body)


def register_verdict_webhook(m):
    # nobody listens there: deliveries fail and wait in the outbox
    url = "http://127.0.0.1:%d/hook" % free_port()
    r = m.request("PUT", "/v1/sites/%s/webhook" % SITE,
                  {"url": url, "secret": "s" * 32, "events": ["verdict"]})
    assert r.status == 201, r


def answers(binary, threads):
    """Status and JSON (received_ms left out) of one fixed sequence."""
    out = []
    with Env(binary, {"MODQ_PIPELINE_THREADS": str(threads)}) as env:
        m = env.modq
        register_verdict_webhook(m)
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        seq = [("c1", HAM, "Ann"),             # on topic: approved, joins the thread
               ("c2", SPAM.format(n=1), "promo"),  # link spam
               ("c3", HAM, "Bob"),             # exact copy by another author
               ("c4", ham(3), "Cat"),          # scored against the thread
               ("c1", HAM, "Ann")]             # stored already: 200
        raws = {}
        for cid, text, name in seq:
            r = post(m, cid, text, name)
            js = dict(r.json)
            js.pop("received_ms", None)
            out.append((r.status, js))
            if cid in raws:
                assert r.raw == raws[cid], (cid, r.raw, raws[cid])
            raws.setdefault(cid, r.raw)
        r = post(m, "c5", HAM, aid="")
        out.append((r.status, r.raw.decode()))
        r = m.request("POST", "/v1/sites/%s/comments" % SITE, raw=b"{not json")
        out.append((r.status, r.raw.decode()))
        # one verdict event per comment stored (c1..c4), none for the 200
        out.append(("events", env.redis.cli("HLEN", "modq:{%s}:wh:data" % SITE)))
    return out


def test_pipe_and_pool_answer_alike(binary):
    piped = answers(binary, 2)
    pooled = answers(binary, 0)
    assert piped == pooled, (piped, pooled)
    st = [a[0] for a in piped]
    assert st[:5] == [201, 201, 201, 201, 200], st
    assert st[5] == 422 and st[6] == 400, piped[5:7]
    assert piped[-1] == ("events", "4"), piped[-1]
    c1, c2, c3 = piped[0][1], piped[1][1], piped[2][1]
    assert c1["status"] == "approved", c1
    assert "link_spam" in {f["code"] for f in c2["flags"]}, c2
    assert "duplicate" in {f["code"] for f in c3["flags"]}, c3
    assert piped[4][1] == c1  # the stored comment, as first answered


LINE = re.compile(r'^\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$')


class Monitor:
    """redis-cli MONITOR into a file: (client address, command line) pairs."""

    def __init__(self, redis, path):
        self.path = path
        self.f = open(path, "w")
        self.proc = subprocess.Popen(["redis-cli", "-p", str(redis.port), "MONITOR"],
                                     stdout=self.f, stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:
            with open(path) as r:
                if r.read().startswith("OK"):
                    return
            time.sleep(0.02)
        raise RuntimeError("MONITOR did not start")

    def stop(self):
        time.sleep(0.2)  # the last commands reach the monitor
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self.f.close()
        out = []
        with open(self.path) as r:
            for line in r:
                mt = LINE.match(line.strip())
                if mt:
                    out.append((mt.group(1), mt.group(2)))
        return out


def test_webhook_subscription_changes_reach_a_warm_instance(binary):
    """The look-up keeps a site's webhook events cached under
    modq:{S}:whver and reads them again only when that version changed: a
    webhook registered, changed or deleted after comments were posted
    governs the very next comment, and an unchanged one costs no HGET."""
    with Env(binary) as env:
        m, redis = env.modq, env.redis
        data = "modq:{%s}:wh:data" % SITE
        assert post(m, "w1", ham(1)).status == 201  # no webhook: none queued
        assert redis.cli("HLEN", data) == "0"
        register_verdict_webhook(m)
        assert post(m, "w2", ham(2)).status == 201
        assert redis.cli("HLEN", data) == "1"
        mon = Monitor(redis, os.path.join(env.tmp, "monitor.txt"))
        assert post(m, "w3", ham(3)).status == 201
        cmds = mon.stop()
        assert redis.cli("HLEN", data) == "2"
        events = '"HGET" "modq:{%s}:webhook" "events"' % SITE
        # (the notify script reads them too, inside Redis: not a look-up's)
        assert [a for a, c in cmds if c == events and a != "lua"] == [], cmds
        url = "http://127.0.0.1:%d/hook" % free_port()
        r = m.request("PUT", "/v1/sites/%s/webhook" % SITE,
                      {"url": url, "secret": "s" * 32, "events": ["decision"]})
        assert r.status == 200, r
        assert post(m, "w4", ham(4)).status == 201  # decisions only now
        assert redis.cli("HLEN", data) == "2"
        r = m.request("PUT", "/v1/sites/%s/webhook" % SITE,
                      {"url": url, "secret": "s" * 32, "events": ["verdict"]})
        assert r.status == 200, r
        assert post(m, "w5", ham(5)).status == 201
        assert redis.cli("HLEN", data) == "3"
        assert m.request("DELETE", "/v1/sites/%s/webhook" % SITE).status == 204
        assert post(m, "w6", ham(6)).status == 201
        assert redis.cli("EXISTS", data) == "0"


def test_article_json_travels_only_when_its_version_changed(binary):
    """The look-up reads modq:{S}:artver:<id> and the article's JSON only
    when the store pool's cache holds another version: an unchanged article
    costs one MGET key, a changed one is read in a second round trip and
    scores the very next comment, a deleted one is gone for it."""
    with Env(binary) as env:
        m, redis = env.modq, env.redis
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        assert post(m, "v1", HAM).status == 201  # unknown: read with its version
        mon = Monitor(redis, os.path.join(env.tmp, "monitor.txt"))
        r = post(m, "v2", HAM, "Bob")
        cmds = mon.stop()
        assert r.status == 201 and r.json.get("relevance", 0) > 0, r.json
        mgets = [c for a, c in cmds if c.startswith('"MGET"') and a != "lua"]
        assert len(mgets) == 1, mgets
        assert '"modq:{%s}:artver:a1"' % SITE in mgets[0], mgets
        assert '"modq:{%s}:article:a1"' % SITE not in mgets[0], mgets
        # another article under the same id: the next comment is scored
        # against it (the old one's text is now off topic)
        other = {"title": "Harbour ferries change their winter timetable",
                 "body": "The harbour ferries run every forty minutes from November. "
                         "Commuters asked for an earlier boat on weekdays."}
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, other).status == 200
        r3 = post(m, "v3", HAM, "Cat")
        assert r3.status == 201 and r3.json.get("relevance", 1) < r.json["relevance"], r3.json
        again = post(m, "v3b", HAM, "Cat")  # the new version, now cached
        assert again.json.get("relevance") == r3.json.get("relevance"), (again.json, r3.json)
        assert m.request("DELETE", "/v1/sites/%s/articles/a1" % SITE).status == 204
        r4 = post(m, "v4", HAM, "Dan")
        assert r4.status == 201 and "relevance" not in r4.json, r4.json


def test_lane_sends_every_round_trip_itself(binary):
    with Env(binary, {"MODQ_PIPELINE_THREADS": "1"}) as env:
        m, redis = env.modq, env.redis
        register_verdict_webhook(m)
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        mon = Monitor(redis, os.path.join(env.tmp, "monitor.txt"))
        assert post(m, "m1", HAM).status == 201        # df read, filed in the cache
        a2 = {"title": "Bicycle lanes on Main Street open", "body": HAM}
        assert m.request("PUT", "/v1/sites/%s/articles/a2" % SITE, a2).status == 201
        assert post(m, "m2", HAM, "Bob").status == 201  # cached df, new version: refetch
        assert redis.cli("SCRIPT", "FLUSH") == "OK"
        assert post(m, "m3", ham(5), "Cat").status == 201  # notify: NOSCRIPT, then EVAL
        cmds = mon.stop()
        claim = [(a, c) for a, c in cmds if c.startswith('"SET" "modq:{%s}:claim:m' % SITE)]
        assert len(claim) == 3, claim
        lane = {a for a, _ in claim}
        assert len(lane) == 1, claim  # one lane: one connection
        lane = lane.pop()
        dfver = [a for a, c in cmds if c == '"GET" "modq:{%s}:dfver"' % SITE]
        hit_check = [a for a, c in cmds
                     if c.startswith('"MGET"') and '"modq:{%s}:dfver"' % SITE in c]
        # m1 one read, m2 its hit check (in the MGET: every stem cached) and
        # the second round trip, m3 one
        assert dfver == [lane] * 3 and hit_check == [lane], (dfver, hit_check)
        notify = [(a, c.split(" ")[0]) for a, c in cmds
                  if c.startswith(('"EVALSHA"', '"EVAL"')) and '"verdict"' in c]
        # m1 finds a fresh Redis without the script, m3 one just flushed:
        # each EVALSHA answered NOSCRIPT is sent again as EVAL, by the lane
        assert notify == [(lane, '"EVALSHA"'), (lane, '"EVAL"'), (lane, '"EVALSHA"'),
                          (lane, '"EVALSHA"'), (lane, '"EVAL"')], notify
        writes = [a for a, c in cmds if c.startswith('"SET" "modq:{%s}:comment:m' % SITE)]
        assert writes == [lane] * 3, writes
        # the article put went on a pool connection, never the lane's
        puts = [a for a, c in cmds if c.startswith('"SET" "modq:{%s}:article:a2"' % SITE)]
        assert len(puts) == 1 and puts[0] != lane, (puts, lane)
        assert redis.cli("HLEN", "modq:{%s}:wh:data" % SITE) == "3"
