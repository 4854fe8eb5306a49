"""test_scripts.py - Lua scripts survive an empty script cache (what a Redis
restart, a failover or SCRIPT FLUSH leaves): store_eval sends EVALSHA with
the SHA-1 modq computes itself and, on NOSCRIPT, the same call as EVAL with
the source. Review operations (claim, decide -- which
also trains the classifier --, release) and the webhook outbox (notify,
retry, then the sender's claim and done) each run across a SCRIPT FLUSH,
against the real binary and a real redis-server."""
import time

from harness import MOD_KEY, Env, mod_key
from test_webhook import Receiver, register, wait_outbox

# Pending unless flagged at all (as in test_review.py).
LOW = {"MODQ_THRESHOLD_PENDING": "0.05", "MODQ_THRESHOLD_REJECT": "1.0"}


def script_stats(redis):
    """(EVALSHA calls, EVAL calls, NOSCRIPT replies) from INFO."""
    calls = {"evalsha": 0, "eval": 0}
    noscript = 0
    for line in redis.cli("INFO", "all").splitlines():
        name, _, rest = line.partition(":")
        if name in ("cmdstat_evalsha", "cmdstat_eval"):
            calls[name[len("cmdstat_"):]] = int(rest.split(",")[0].split("=")[1])
        elif name == "errorstat_NOSCRIPT":
            noscript = int(rest.split("=")[1])
    return calls["evalsha"], calls["eval"], noscript


def claim(m, who):
    r = m.request("POST", "/v1/review/claim", {"site": "s1", "limit": 1},
                  key=mod_key(who))
    assert r.status == 200, r
    return [i["id"] for i in r.json["items"]]


def test_review_scripts_after_script_flush(binary):
    with Env(binary, extra_env=LOW) as env:
        m, redis = env.modq, env.redis
        for i in range(2):
            r = m.request("POST", "/v1/sites/s1/comments",
                          {"id": "c%d" % i, "article_id": "a1", "author": {"name": "Ann"},
                           "text": "Offer number %d for you, see http://promo%d.example/deal"
                                   % (i, i)})
            assert r.status == 201 and r.json["status"] == "pending", r
        assert claim(m, "alice") == ["c0"]
        before = script_stats(redis)
        # the script is cached now: the SHA modq computed is the server's
        assert claim(m, "bob") == ["c1"]
        after = script_stats(redis)
        assert after == (before[0] + 1, before[1], before[2]), (before, after)

        assert redis.cli("SCRIPT", "FLUSH") == "OK"
        r = m.request("POST", "/v1/sites/s1/comments/c0/decision",
                      {"decision": "approve"}, key=mod_key("alice"))
        assert r.status == 200 and r.json["status"] == "approved", r
        assert redis.cli("HGET", "modq:{s1}:bayes:n", "ham") == "1"  # trained too
        flushed = script_stats(redis)
        # decide and train each: NOSCRIPT, then EVAL
        assert flushed[2] >= after[2] + 2 and flushed[1] >= after[1] + 2, (after, flushed)

        assert redis.cli("SCRIPT", "FLUSH") == "OK"
        r = m.request("POST", "/v1/review/release",
                      {"site": "s1", "ids": ["c1"]}, key=mod_key("bob"))
        assert r.status == 200 and r.json["released"] == ["c1"], r
        assert claim(m, "carol") == ["c1"]
        assert "Redis trouble" not in m.log(), m.log()[-2000:]


def test_webhook_scripts_after_script_flush(binary):
    rcv = Receiver()  # port reserved, nobody listening yet: the first try fails
    try:
        with Env(binary) as env:
            m, redis = env.modq, env.redis
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            assert redis.cli("SCRIPT", "FLUSH") == "OK"
            r = m.request("POST", "/v1/sites/s1/comments",
                          {"id": "c1", "article_id": "a1", "author": {"name": "Ann"},
                           "text": "Protected bicycle lanes on Main Street are overdue."})
            assert r.status == 201, r
            assert redis.cli("HLEN", "modq:{s1}:wh:data") == "1"  # notify queued it
            ob = wait_outbox(m, "s1", lambda o: "last_error" in o, 10)
            assert "last_error" in ob and ob["pending"] == 1, ob  # claimed, retried
            noscript = script_stats(redis)[2]
            assert redis.cli("SCRIPT", "FLUSH") == "OK"
            rcv.start()
            got = rcv.wait(1, 15)
            assert len(got) == 1 and got[0]["ok"], got
            assert got[0]["json"]["comment"]["id"] == "c1" and got[0]["json"]["attempt"] >= 2
            ob = wait_outbox(m, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)
            assert ob["pending"] == 0 and ob["in_flight"] == 0 and ob["dead"] == 0, ob
            assert redis.cli("HLEN", "modq:{s1}:wh:data") == "0"  # done ran
            assert script_stats(redis)[2] >= noscript + 2  # claim and done reloaded
            time.sleep(0.5)
            assert len(rcv.got) == 1, rcv.got
    finally:
        rcv.stop()
