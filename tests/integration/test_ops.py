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


def until(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_readyz_is_ready_while_comments_can_be_answered(binary):
    """Ready with Redis up; still ready (degraded, Redis down) while the spool
    takes comments; 503 only when neither can; Redis alone suffices again.
    The metrics carry the same signals."""
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
            ("redis down, spool removed", lambda: shutil.rmtree(spool), 503,
             {"ready": False, "status": "not_ready", "redis": "down",
              "spool": {"writable": False, "pending": 0}},
             {"modq_ready": 0, "modq_redis_up": 0, "modq_spool_writable": 0, "modq_draining": 0}),
            ("redis back, spool removed", env.redis.start, 200,
             {"ready": True, "status": "ready", "redis": "up",
              "spool": {"writable": False, "pending": 0}},
             {"modq_ready": 1, "modq_redis_up": 1, "modq_spool_writable": 0, "modq_draining": 0}),
        ]
        for name, act, status, body, metrics in steps:  # in order
            act()
            assert until(lambda: ready_view(m) == (status, body), 5), (name, ready_view(m))
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
            if name == "redis down, spool removed":
                # nothing can take a comment: 503, never a lost "provisional"
                r = m.request("POST", "/v1/sites/rz/comments", comment("c-lost"))
                assert r.status == 503, r
        os.makedirs(spool, exist_ok=True)  # so that the stop's last replay has its dir
