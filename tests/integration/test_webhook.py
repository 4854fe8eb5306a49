"""test_webhook.py - site webhooks: registration, signed delivery, retries with
backoff, dead letters, restart survival and single delivery across two modq
processes, against the real binary, a real redis-server and a small signature-
checking receiver (http.server in a thread on a free loopback port).

Decision events go through the review endpoint (api_review.c calls
webhook_notify); test_webhook_decision_event covers one."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import MOD_KEY, Env, free_port

SECRET = "whsec-0123456789abcdef-test"
ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring.",
           "url": "https://news.example/bike-lanes"}
TEXT = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
        "the council made the right decision.")
TOLERANCE = 300  # seconds a receiver accepts between X-Modq-Timestamp and now


def verify(secret, headers, body, now=None):
    """The receiver recipe from docs/webhooks.md: recompute the HMAC over
    "<timestamp>.<body>", compare in constant time, bound the timestamp."""
    ts = headers.get("x-modq-timestamp", "")
    sig = headers.get("x-modq-signature", "")
    if not ts.isdigit() or not sig.startswith("sha256="):
        return False
    if abs((time.time() if now is None else now) - int(ts)) > TOLERANCE:
        return False
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, sig[len("sha256="):])


class Receiver:
    """Records every POST; answers statuses[i] to the i-th one, then 200."""

    def __init__(self, secret=SECRET, port=None, statuses=()):
        self.secret = secret
        self.port = port or free_port()
        self.statuses = list(statuses)
        self.got = []
        self.cv = threading.Condition()
        self.srv = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                with outer.cv:
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    outer.got.append({"t": time.time(), "headers": hdrs, "body": body,
                                      "json": json.loads(body), "status": status,
                                      "ok": verify(outer.secret, hdrs, body)})
                    outer.cv.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        return self

    def wait(self, n, timeout=15.0):
        end = time.time() + timeout
        with self.cv:
            while len(self.got) < n and time.time() < end:
                self.cv.wait(0.1)
            return list(self.got)

    def stop(self):
        if self.srv:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None


def register(m, site, url, events=None, secret=SECRET):
    body = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = events
    return m.request("PUT", "/v1/sites/%s/webhook" % site, body)


def post_comment(m, site, cid, text=TEXT):
    r = m.request("POST", "/v1/sites/%s/comments" % site,
                  {"id": cid, "article_id": "a1", "text": text, "author": {"name": "Ann"}})
    assert r.status == 201, r
    return r


def wait_outbox(m, site, pred, timeout=10.0):
    end = time.time() + timeout
    while True:
        r = m.request("GET", "/v1/sites/%s/webhook" % site)
        assert r.status == 200, r
        if pred(r.json["outbox"]) or time.time() > end:
            return r.json["outbox"]
        time.sleep(0.1)


def test_webhook_registration(binary):
    with Env(binary) as env:
        m = env.modq
        path = "/v1/sites/s1/webhook"
        r = m.request("GET", path)
        assert r.status == 404 and r.json["error"]["code"] == "not_found", r
        r = m.request("PUT", path, {"url": "http://x.example/h", "secret": SECRET}, key=None)
        assert r.status == 401, r
        r = m.request("PUT", path, raw=b'{"url":', content_type="application/json")
        assert r.status == 400, r
        r = m.request("PUT", path, raw=b"url=x", content_type="application/x-www-form-urlencoded")
        assert r.status == 415, r
        bad = [
            ({"secret": SECRET}, "url"),
            ({"url": "ftp://x.example/h", "secret": SECRET}, "url"),
            ({"url": "javascript:alert(1)", "secret": SECRET}, "url"),
            ({"url": "http://", "secret": SECRET}, "url"),
            ({"url": "http://x.example/a b", "secret": SECRET}, "url"),
            ({"url": "https://x.example/" + "a" * 2100, "secret": SECRET}, "url"),
            ({"url": 42, "secret": SECRET}, "url"),
            ({"url": "https://x.example/h"}, "secret"),
            ({"url": "https://x.example/h", "secret": "a" * 15}, "secret"),
            ({"url": "https://x.example/h", "secret": "a" * 257}, "secret"),
            ({"url": "https://x.example/h", "secret": 1234567890123456789}, "secret"),
            ({"url": "https://x.example/h", "secret": SECRET, "events": ["nope"]}, "events"),
            ({"url": "https://x.example/h", "secret": SECRET, "events": []}, "events"),
            ({"url": "https://x.example/h", "secret": SECRET, "events": "verdict"}, "events"),
            ({"url": "https://x.example/h", "secret": SECRET, "events": [1]}, "events"),
        ]
        for body, field in bad:
            r = m.request("PUT", path, body)
            assert r.status == 422 and r.json["error"]["field"] == field, (body, r)
        r = m.request("GET", path)
        assert r.status == 404, r  # nothing invalid was stored

        r = m.request("PUT", path, {"url": "HTTPS://hooks.example/modq", "secret": "a" * 16})
        assert r.status == 201, r
        assert r.json["url"] == "HTTPS://hooks.example/modq" and r.json["events"] == ["decision"]
        assert "secret" not in r.json and b"a" * 16 not in r.raw, r
        r = register(m, "s1", "http://hooks.example/v2", ["verdict", "decision", "verdict"])
        assert r.status == 200, r
        assert r.json["events"] == ["decision", "verdict"], r
        r = m.request("GET", path, key="test-moderator-key-0123456789")
        assert r.status == 200, r
        assert r.json["url"] == "http://hooks.example/v2" and r.json["site"] == "s1", r
        assert r.json["outbox"] == {"pending": 0, "in_flight": 0, "dead": 0}, r
        assert SECRET.encode() not in r.raw and "secret" not in r.json, r
        assert m.request("GET", "/v1/sites/s2/webhook").status == 404
        assert SECRET not in m.log() and "a" * 16 not in m.log()


def test_webhook_verdict_delivered_and_signed(binary):
    rcv = Receiver().start()
    quiet = Receiver().start()
    try:
        with Env(binary) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            assert register(m, "s2", quiet.url).status == 201  # decision only
            m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
            t0 = time.time()
            r = post_comment(m, "s1", "c1")
            post_comment(m, "s2", "c2")
            got = rcv.wait(1, 10)
            assert len(got) == 1, got
            d = got[0]
            assert d["status"] == 200 and d["ok"], d
            h, body = d["headers"], d["json"]
            assert h["x-modq-event"] == "verdict" and h["content-type"] == "application/json"
            assert h["x-modq-delivery"] == body["id"] and len(body["id"]) == 32, d
            assert abs(int(h["x-modq-timestamp"]) - t0) < 30, h
            assert body["event"] == "verdict" and body["site"] == "s1" and body["attempt"] == 1
            assert body["occurred_at"].endswith("Z") and body["delivered_at"].endswith("Z")
            c = body["comment"]
            assert c["id"] == "c1" and c["text"] == TEXT, c
            assert c["status"] == r.json["status"] and c["score"] == r.json["score"], (c, r)
            assert "email" not in c["author"] and "ip" not in c["author"], c
            # the receiver's check rejects tampering, a stale timestamp, a wrong key
            raw = d["body"]
            assert verify(SECRET, h, raw)
            assert not verify(SECRET, h, raw.replace(b'"s1"', b'"s9"', 1))
            assert not verify(SECRET, h, raw + b" ")
            assert not verify(SECRET, h, raw, now=int(h["x-modq-timestamp"]) + TOLERANCE + 1)
            assert not verify(SECRET + "x", h, raw)
            moved = dict(h, **{"x-modq-timestamp": str(int(h["x-modq-timestamp"]) + 1)})
            assert not verify(SECRET, moved, raw)
            ob = wait_outbox(m, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)
            assert ob == {"pending": 0, "in_flight": 0, "dead": 0}, ob
            # a repeated POST of the same id is not a new verdict
            assert m.request("POST", "/v1/sites/s1/comments",
                             {"id": "c1", "article_id": "a1", "text": TEXT,
                              "author": {"name": "Ann"}}).status == 200
            time.sleep(1.0)
            assert len(rcv.got) == 1 and quiet.got == [], (rcv.got, quiet.got)
            assert env.redis.cli("HLEN", "modq:{s1}:wh:data") == "0"
            assert env.redis.cli("ZCARD", "modq:{s2}:wh:outbox") == "0"
    finally:
        rcv.stop()
        quiet.stop()


def test_webhook_retries_with_backoff(binary):
    rcv = Receiver(statuses=[500, 500]).start()
    try:
        with Env(binary) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            got = rcv.wait(3, 15)
            assert [g["status"] for g in got] == [500, 500, 200], got
            assert all(g["ok"] for g in got), got
            assert len({g["json"]["id"] for g in got}) == 1, got
            assert [g["json"]["attempt"] for g in got] == [1, 2, 3], got
            assert len({g["headers"]["x-modq-delivery"] for g in got}) == 1
            gap1, gap2 = got[1]["t"] - got[0]["t"], got[2]["t"] - got[1]["t"]
            assert 0.9 <= gap1 < 4.0 and 1.9 <= gap2 < 6.0, (gap1, gap2)
            ob = wait_outbox(m, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)
            assert ob["pending"] == 0 and ob["in_flight"] == 0 and ob["dead"] == 0, ob
            assert ob["last_error"] == "HTTP 500", ob
            time.sleep(1.5)
            assert len(rcv.got) == 3, rcv.got  # delivered once successfully, then quiet
    finally:
        rcv.stop()


def test_webhook_dead_letter(binary):
    rcv = Receiver(statuses=[503] * 10).start()
    try:
        with Env(binary, extra_env={"MODQ_WEBHOOK_MAX_ATTEMPTS": "2"}) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            ob = wait_outbox(m, "s1", lambda o: o["dead"] == 1, 10)
            assert ob["dead"] == 1 and ob["pending"] == 0 and ob["in_flight"] == 0, ob
            assert len(rcv.got) == 2, rcv.got
            rec = json.loads(env.redis.cli("LINDEX", "modq:{s1}:wh:dead", 0))
            assert rec["attempts"] == 2 and rec["last_error"] == "HTTP 503", rec
            assert rec["comment"]["id"] == "c1" and rec["id"] == rcv.got[0]["json"]["id"], rec
            time.sleep(1.5)
            assert len(rcv.got) == 2
    finally:
        rcv.stop()


def test_webhook_survives_restart(binary):
    rcv = Receiver()  # port reserved, nobody listening yet
    try:
        with Env(binary) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            ob = wait_outbox(m, "s1", lambda o: "last_error" in o, 10)
            assert "last_error" in ob and ob["pending"] == 1, ob
            assert m.stop() == 0, m.log()[-2000:]
            assert env.redis.cli("ZCARD", "modq:{s1}:wh:outbox") == "1"
            assert env.redis.cli("HLEN", "modq:{s1}:wh:data") == "1"
            rcv.start()
            time.sleep(0.5)
            assert rcv.got == []  # nobody sends while modq is down
            m.start()
            got = rcv.wait(1, 15)
            assert len(got) == 1 and got[0]["ok"], got
            assert got[0]["json"]["comment"]["id"] == "c1"
            assert got[0]["json"]["attempt"] >= 2, got[0]["json"]
            ob = wait_outbox(m, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)
            assert ob["pending"] == 0 and ob["in_flight"] == 0, ob
    finally:
        rcv.stop()


def test_webhook_two_instances_send_once(binary):
    rcv = Receiver().start()
    try:
        with Env(binary, instances=2) as env:
            a, b = env.modqs
            assert register(a, "s1", rcv.url, ["verdict"]).status == 201
            for i in range(12):
                post_comment(a if i % 2 else b, "s1", "c%d" % i,
                             text="%s Comment number %d." % (TEXT, i))
            got = rcv.wait(12, 15)
            time.sleep(1.0)
            got = list(rcv.got)
            ids = [g["json"]["comment"]["id"] for g in got]
            assert sorted(ids) == sorted("c%d" % i for i in range(12)), ids
            assert len({g["json"]["id"] for g in got}) == 12
            assert all(g["ok"] and g["json"]["attempt"] == 1 for g in got), got
    finally:
        rcv.stop()


def test_webhook_decision_event(binary):
    rcv = Receiver().start()
    try:
        with Env(binary) as env:
            m = env.modq
            assert register(m, "s1", rcv.url).status == 201  # default: decision only
            r = post_comment(m, "s1", "c1")
            assert r.json["status"] == "approved", r
            time.sleep(0.8)
            assert rcv.got == [], rcv.got  # no verdict event without "verdict"
            r = m.request("POST", "/v1/sites/s1/comments/c1/decision",
                          {"decision": "reject", "moderator": "mia"}, key=MOD_KEY)
            assert r.status == 200, r
            got = rcv.wait(1, 10)
            assert len(got) == 1 and got[0]["ok"], got
            h, body = got[0]["headers"], got[0]["json"]
            assert h["x-modq-event"] == "decision" and body["event"] == "decision", got
            c = body["comment"]
            assert c["id"] == "c1" and c["status"] == "rejected", c
            assert c["auto_status"] == "approved" and c["decision"]["by"] == "mia", c
            time.sleep(0.5)
            assert len(rcv.got) == 1
    finally:
        rcv.stop()
