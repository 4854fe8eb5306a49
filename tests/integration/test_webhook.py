"""test_webhook.py - site webhooks: registration, signed delivery, retries with
backoff, dead letters, restart survival and single delivery across two modq
processes, against the real binary, a real redis-server and a small signature-
checking receiver (http.server in a thread on a free loopback port).

Decision events go through the review endpoint (the decision handler calls
webhook_notify); test_decision_event_is_delivered covers one. What the outbox
keeps in Redis is checked in test_store_webhook.py."""
import hashlib
import hmac
import json
import socket
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


WEBHOOK_PATH = "/v1/sites/s1/webhook"


def test_webhook_of_an_unregistered_site_is_404(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("GET", WEBHOOK_PATH)
        assert r.status == 404 and r.json["error"]["code"] == "not_found", r
        assert register(m, "s1", "http://hooks.example/v2").status == 201
        assert m.request("GET", "/v1/sites/s2/webhook").status == 404


def test_webhook_registration_needs_a_key_and_a_json_body(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("PUT", WEBHOOK_PATH, {"url": "http://x.example/h", "secret": SECRET}, key=None)
        assert r.status == 401, r
        r = m.request("PUT", WEBHOOK_PATH, raw=b'{"url":', content_type="application/json")
        assert r.status == 400, r
        r = m.request("PUT", WEBHOOK_PATH, raw=b"url=x",
                      content_type="application/x-www-form-urlencoded")
        assert r.status == 415, r


BAD_REGISTRATIONS = [
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


def test_bad_webhook_field_is_422_naming_it(binary):
    with Env(binary) as env:
        m = env.modq
        for body, field in BAD_REGISTRATIONS:
            r = m.request("PUT", WEBHOOK_PATH, body)
            assert r.status == 422 and r.json["error"]["field"] == field, (body, r)
        r = m.request("GET", WEBHOOK_PATH)
        assert r.status == 404, r  # nothing invalid was stored


def test_webhook_put_creates_then_replaces(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("PUT", WEBHOOK_PATH, {"url": "HTTPS://hooks.example/modq", "secret": "a" * 16})
        assert r.status == 201, r
        assert r.json["url"] == "HTTPS://hooks.example/modq" and r.json["events"] == ["decision"]
        r = register(m, "s1", "http://hooks.example/v2", ["verdict", "decision", "verdict"])
        assert r.status == 200, r
        assert r.json["events"] == ["decision", "verdict"], r
        r = m.request("GET", WEBHOOK_PATH, key=MOD_KEY)
        assert r.status == 200, r
        assert r.json["url"] == "http://hooks.example/v2" and r.json["site"] == "s1", r
        assert r.json["outbox"] == {"pending": 0, "in_flight": 0, "dead": 0}, r


def test_webhook_secret_is_never_shown_or_logged(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("PUT", WEBHOOK_PATH, {"url": "HTTPS://hooks.example/modq", "secret": "a" * 16})
        assert r.status == 201, r
        assert "secret" not in r.json and b"a" * 16 not in r.raw, r
        r = register(m, "s1", "http://hooks.example/v2", ["verdict"])
        assert "secret" not in r.json and SECRET.encode() not in r.raw, r
        r = m.request("GET", WEBHOOK_PATH, key=MOD_KEY)
        assert SECRET.encode() not in r.raw and "secret" not in r.json, r
        assert SECRET not in m.log() and "a" * 16 not in m.log()


class Delivered:
    """An Env with s1's verdict webhook (rcv) and s2's default one (quiet),
    the article, comment c1 on s1 and c2 on s2, and c1's verdict delivered:
    .env, .rcv, .quiet, .answer (c1's), .got (the delivery), .t0."""

    def __init__(self, binary):
        self.rcv = Receiver().start()
        self.quiet = Receiver().start()
        self.env = Env(binary)
        try:
            m = self.env.modq
            assert register(m, "s1", self.rcv.url, ["verdict"]).status == 201
            assert register(m, "s2", self.quiet.url).status == 201  # decision only
            m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
            self.t0 = time.time()
            self.answer = post_comment(m, "s1", "c1")
            post_comment(m, "s2", "c2")
            got = self.rcv.wait(1, 10)
            assert len(got) == 1, got
            self.got = got[0]
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.env.__exit__(*exc)
        finally:
            self.rcv.stop()
            self.quiet.stop()


def test_verdict_event_is_delivered_signed(binary):
    with Delivered(binary) as dv:
        d, r = dv.got, dv.answer
        assert d["status"] == 200 and d["ok"], d
        h, body = d["headers"], d["json"]
        assert h["x-modq-event"] == "verdict" and h["content-type"] == "application/json"
        assert h["x-modq-delivery"] == body["id"] and len(body["id"]) == 32, d
        assert abs(int(h["x-modq-timestamp"]) - dv.t0) < 30, h
        assert body["event"] == "verdict" and body["site"] == "s1" and body["attempt"] == 1
        assert body["occurred_at"].endswith("Z") and body["delivered_at"].endswith("Z")
        c = body["comment"]
        assert c["id"] == "c1" and c["text"] == TEXT, c
        assert c["status"] == r.json["status"] and c["score"] == r.json["score"], (c, r)
        assert "email" not in c["author"] and "ip" not in c["author"], c


def test_receiver_check_rejects_tampering_stale_time_and_wrong_key(binary):
    with Delivered(binary) as dv:
        h, raw = dv.got["headers"], dv.got["body"]
        assert verify(SECRET, h, raw)
        assert not verify(SECRET, h, raw.replace(b'"s1"', b'"s9"', 1))
        assert not verify(SECRET, h, raw + b" ")
        assert not verify(SECRET, h, raw, now=int(h["x-modq-timestamp"]) + TOLERANCE + 1)
        assert not verify(SECRET + "x", h, raw)
        moved = dict(h, **{"x-modq-timestamp": str(int(h["x-modq-timestamp"]) + 1)})
        assert not verify(SECRET, moved, raw)


def test_delivered_event_leaves_the_outbox(binary):
    with Delivered(binary) as dv:
        ob = wait_outbox(dv.env.modq, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)
        assert ob == {"pending": 0, "in_flight": 0, "dead": 0}, ob


def test_repeated_post_is_no_new_verdict_and_other_events_stay_quiet(binary):
    with Delivered(binary) as dv:
        m = dv.env.modq
        # a repeated POST of the same id is not a new verdict
        assert m.request("POST", "/v1/sites/s1/comments",
                         {"id": "c1", "article_id": "a1", "text": TEXT,
                          "author": {"name": "Ann"}}).status == 200
        time.sleep(1.0)
        assert len(dv.rcv.got) == 1 and dv.quiet.got == [], (dv.rcv.got, dv.quiet.got)
        # s2 wants decisions only: its verdict was never queued
        ob = m.request("GET", "/v1/sites/s2/webhook").json["outbox"]
        assert ob == {"pending": 0, "in_flight": 0, "dead": 0}, ob


def test_failed_delivery_is_retried_with_backoff(binary):
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
            assert ob["last_error"] == "http_500", ob
            time.sleep(1.5)
            assert len(rcv.got) == 3, rcv.got  # delivered once successfully, then quiet
    finally:
        rcv.stop()


def test_undeliverable_event_goes_dead_after_max_attempts(binary):
    rcv = Receiver(statuses=[503] * 10).start()
    try:
        with Env(binary, extra_env={"MODQ_WEBHOOK_MAX_ATTEMPTS": "2"}) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            ob = wait_outbox(m, "s1", lambda o: o["dead"] == 1, 10)
            assert ob["dead"] == 1 and ob["pending"] == 0 and ob["in_flight"] == 0, ob
            assert len(rcv.got) == 2, rcv.got
            time.sleep(1.5)
            assert len(rcv.got) == 2
    finally:
        rcv.stop()


def test_queued_event_is_delivered_after_a_restart(binary):
    rcv = Receiver()  # port reserved, nobody listening yet
    try:
        with Env(binary) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            ob = wait_outbox(m, "s1", lambda o: "last_error" in o, 10)
            assert "last_error" in ob and ob["pending"] == 1, ob
            assert m.stop() == 0, m.log()[-2000:]
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


def test_two_instances_deliver_each_event_once(binary):
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


def test_decision_event_is_delivered(binary):
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


def test_loopback_target_is_refused_unless_its_network_is_allowed(binary):
    with Env(binary, extra_env={"MODQ_WEBHOOK_ALLOWED_NETWORKS": ""}) as env:
        m = env.modq
        for url in ("http://127.0.0.1:9/hook", "http://localhost:9/", "http://[::1]:9/",
                    "http://0:9/", "http://169.254.169.254/latest", "http://10.1.2.3/",
                    "http://[fe80::1]/", "http://user@192.168.1.1:80/"):
            r = register(m, "s1", url)
            assert r.status == 422, (url, r)
            assert r.json["error"]["code"] == "webhook_url_not_allowed", (url, r)
        assert m.request("GET", WEBHOOK_PATH, key=MOD_KEY).status == 404
    with Env(binary, extra_env={"MODQ_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}) as env:
        m = env.modq
        assert register(m, "s1", "http://127.0.0.1:9/hook").status == 201
        assert register(m, "s2", "http://[::1]:9/").status == 422


def test_hostname_resolving_to_allowed_loopback_is_delivered(binary):
    rcv = Receiver().start()
    try:
        nets = "127.0.0.0/8,::1/128"
        with Env(binary, extra_env={"MODQ_WEBHOOK_ALLOWED_NETWORKS": nets}) as env:
            m = env.modq
            url = "http://localhost:%d/hook" % rcv.port
            assert register(m, "s1", url, ["verdict"]).status == 201
            m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
            post_comment(m, "s1", "c1")
            assert len(rcv.wait(1, 10)) == 1
    finally:
        rcv.stop()


def test_deleted_webhook_is_gone_and_sends_nothing(binary):
    rcv = Receiver().start()
    try:
        with Env(binary) as env:
            m = env.modq
            assert m.request("DELETE", WEBHOOK_PATH).status == 404
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            r = m.request("DELETE", WEBHOOK_PATH)
            assert r.status == 204 and r.raw == b"", r
            assert m.request("GET", WEBHOOK_PATH).status == 404
            assert m.request("DELETE", WEBHOOK_PATH).status == 404
            m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
            post_comment(m, "s1", "c1")
            assert rcv.wait(1, 2) == []
    finally:
        rcv.stop()


class Hung:
    """A receiver that accepts connections and reads requests but never
    answers (until stop)."""

    def __init__(self):
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        self.held, self.done = [], threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.done.is_set():
            try:
                c, _ = self.sock.accept()
                self.held.append(c)
            except OSError:
                continue

    def stop(self):
        self.done.set()
        for c in self.held:
            c.close()
        self.sock.close()


def test_a_hung_receiver_delays_only_its_own_site(binary):
    """Site s1's receiver accepts and never answers (each attempt waits for
    webhook_timeout_ms); site s2's events still arrive at once: sites are
    delivered by different workers."""
    hung, rcv = Hung(), Receiver().start()
    try:
        with Env(binary, {"MODQ_WEBHOOK_TIMEOUT_MS": "8000"}) as env:
            m = env.modq
            assert register(m, "s1", hung.url, ["verdict"]).status == 201
            assert register(m, "s2", rcv.url, ["verdict"]).status == 201
            m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
            m.request("PUT", "/v1/sites/s2/articles/a1", ARTICLE)
            for i in range(6):  # a backlog on the hung site
                post_comment(m, "s1", "h%d" % i)
            time.sleep(0.5)     # the sender is now stuck on s1
            t0 = time.time()
            post_comment(m, "s2", "fast")
            got = rcv.wait(1, 6)
            took = time.time() - t0
            print("  other site's event while one receiver hangs: %.2fs" % took)
            assert len(got) == 1 and got[0]["json"]["comment"]["id"] == "fast", got
            assert took < 3.0, took
            assert len(hung.held) >= 1  # s1 was being delivered meanwhile
    finally:
        hung.stop()
        rcv.stop()
