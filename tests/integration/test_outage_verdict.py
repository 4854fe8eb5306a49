"""test_outage_verdict.py - answers given while Redis is unreachable never
contradict the store: they are pending and provisional, the spool replay
settles them (a record stored under the same id first wins) and a
`verdict` webhook event tells the platform the settled status."""
import time

from harness import Env
from test_webhook import Receiver, register

ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced.", "url": "https://news.example/bike-lanes", "tags": ["cycling"]}
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx1 "
        "http://cheap-pills.example/buy http://win-money.example earn $500 a day")
HAM = ("Protected bicycle lanes on Main Street are overdue; the council should also "
       "think about deliveries for the shop owners during construction.")
ENV = {"MODQ_REDIS_TIMEOUT_MS": "200", "MODQ_THRESHOLD_REJECT": "0.5"}


def post(m, cid, text):
    return m.request("POST", "/v1/sites/o/comments",
                     {"id": cid, "article_id": "a1", "text": text, "author": {"name": "Ann"}})


def wait_replayed(m, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            r = m.request("GET", "/readyz", key=None, timeout=5)
            if r.status == 200 and r.json["spool"]["pending"] == 0:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("spool not replayed")


def settled_events(rcv, cid, n=1):
    got = rcv.wait(n)
    return [g["json"]["comment"] for g in got
            if g["json"]["event"] == "verdict" and g["json"]["comment"]["id"] == cid]


def test_repost_during_outage_cannot_contradict_the_stored_verdict(binary):
    rcv = Receiver().start()
    try:
        with Env(binary, ENV) as env:
            m = env.modq
            assert m.request("PUT", "/v1/sites/o/articles/a1", ARTICLE).status == 201
            assert register(m, "o", rcv.url, ["verdict"]).status in (200, 201)
            r = post(m, "x1", SPAM)
            assert r.status == 201 and r.json["status"] == "rejected", r
            assert "provisional" not in r.json, r
            env.redis.stop()
            r = post(m, "x1", HAM)
            # Redis cannot say x1 is stored: no fresh verdict is promised
            assert r.status == 201, r
            assert r.json["status"] == "pending" and r.json["provisional"] is True, r.json
            assert r.json["auto_status"] == "approved", r.json  # the engine's own verdict
            env.redis.start()
            wait_replayed(m)
            r = m.request("GET", "/v1/sites/o/comments/x1")
            assert r.status == 200 and r.json["status"] == "rejected", r
            assert "provisional" not in r.json, r.json
            assert "x1" not in m.queue("o")
            # the platform hears the settled status: the stored record's
            ev = settled_events(rcv, "x1", 2)
            assert len(ev) == 2, ev  # the first post's verdict, then the settled one
            assert ev[1]["status"] == "rejected" and "provisional" not in ev[1], ev
    finally:
        rcv.stop()


def test_fresh_comment_during_outage_is_settled_by_the_engine_verdict(binary):
    rcv = Receiver().start()
    try:
        with Env(binary, ENV) as env:
            m = env.modq
            assert m.request("PUT", "/v1/sites/o/articles/a1", ARTICLE).status == 201
            assert register(m, "o", rcv.url, ["verdict"]).status in (200, 201)
            env.redis.stop()
            a = post(m, "f1", HAM)
            b = post(m, "f2", SPAM)
            for r in (a, b):
                assert r.status == 201 and r.json["status"] == "pending", r
                assert r.json["provisional"] is True, r.json
            assert a.json["auto_status"] == "approved", a.json
            assert b.json["auto_status"] == "rejected" and b.json["flags"], b.json
            env.redis.start()
            wait_replayed(m)
            assert m.request("GET", "/v1/sites/o/comments/f1").json["status"] == "approved"
            assert m.request("GET", "/v1/sites/o/comments/f2").json["status"] == "rejected"
            got = rcv.wait(2)
            settled = {g["json"]["comment"]["id"]: g["json"]["comment"]["status"]
                       for g in got if g["json"]["event"] == "verdict"}
            assert settled == {"f1": "approved", "f2": "rejected"}, settled
    finally:
        rcv.stop()
