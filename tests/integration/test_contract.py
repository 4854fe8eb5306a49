"""test_contract.py - the OpenAPI document served and obeyed, and request ids.

GET /openapi.json serves docs/openapi.json byte for byte, without a key, and
that file is what tools/gen_openapi.py writes; the
document's null-for-absent fields are what the server answers; X-Request-Id
is echoed when valid, generated when absent or invalid, on every response
(errors of the router, the gate and the HTTP layer included) and written in
every log line of the request. (Every response of the suite is checked
against the document by harness.py; contract.py says how.)"""
import json
import os
import re
import socket
import subprocess
import sys

import contract
from harness import CLIENT_KEY, MOD_KEY, Env

HEX32 = re.compile(r"^[0-9a-f]{32}$")
ARTICLE = {"title": "Bicycle lanes on Main Street", "body": "The council voted for bicycle lanes."}


def test_openapi_json_is_the_docs_file_without_a_key(binary):
    with Env(binary) as env:
        r = env.modq.request("GET", "/openapi.json", key=None)
        assert r.status == 200, r
        assert r.headers["Content-Type"] == "application/json", r.headers
        assert r.raw == contract.DOC_BYTES
        assert r.json["openapi"] == "3.1.0"
        # every path of the route table is in it (test_openapi.c checks the
        # table itself); a few by name, so a wrong file cannot pass
        for p in ("/v1/sites/{site}/comments/{id}", "/v1/review", "/openapi.json",
                  "/v1alpha1/comments:analyze", "/review/{file}"):
            assert p in r.json["paths"], p


def test_docs_openapi_json_is_what_the_generator_writes(binary):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    gen = os.path.join(root, "tools", "gen_openapi.py")
    out = subprocess.run([sys.executable, gen, "--check", contract.DOC_PATH],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = subprocess.run([sys.executable, gen], capture_output=True, timeout=60).stdout
    assert text == contract.DOC_BYTES


def test_absent_optional_fields_are_null(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
        assert r.status == 201 and r.json["url"] is None, r
        assert m.request("GET", "/v1/sites/s1/articles/a1").json["url"] is None
        body = {"id": "c1", "article_id": "a1", "text": "Bicycle lanes are good for Main Street.",
                "author": {"name": "Ann"}}
        r = m.request("POST", "/v1/sites/s1/comments", body)
        assert r.status == 201, r
        assert r.json["parent_id"] is None and r.json["created_at"] is None, r
        assert r.json["decision"] is None, r
        r = m.request("GET", "/v1/sites/s1/comments/c1")
        assert r.json["parent_id"] is None and r.json["created_at"] is None, r
        body = dict(body, id="c2", parent_id="c1", created_at="2026-01-01T00:00:00Z")
        r = m.request("POST", "/v1/sites/s1/comments", body)
        assert r.json["parent_id"] == "c1" and r.json["created_at"] == "2026-01-01T00:00:00Z", r


def log_lines(m):
    out = []
    for line in m.log().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def raw_request(port, head):
    """Send a request as bytes; the status line and headers of the answer."""
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(head)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def test_request_id_echoed_generated_replaced_and_logged(binary):
    with Env(binary, {"MODQ_LOG_LEVEL": "info"}) as env:
        m = env.modq
        given = "req-7f3a 2026/12/03:abc.DEF_~"
        longest = "x" * 128
        cases = [  # (method, path, body, key, sent id, expected status)
            ("GET", "/healthz", None, None, given, 200),
            ("PUT", "/v1/sites/s1/articles/a1", ARTICLE, CLIENT_KEY, longest, 201),
            ("GET", "/v1/sites/s1/articles/a1", None, None, "no-key", 401),
            ("GET", "/v1/nothing", None, CLIENT_KEY, "unknown-path", 404),
            ("DELETE", "/healthz", None, None, "wrong-method", 405),
            ("POST", "/v1/sites/s1/comments", {"article_id": "a1"}, CLIENT_KEY, "bad-body", 422),
        ]
        for method, path, body, key, rid, status in cases:
            r = m.request(method, path, body, key=key, headers={"X-Request-Id": rid})
            assert r.status == status, (path, r)
            assert r.headers["X-Request-Id"] == rid, (path, r.headers)
        # absent: generated, different every time
        ids = set()
        for _ in range(3):
            r = m.request("GET", "/healthz", key=None)
            assert HEX32.match(r.headers["X-Request-Id"]), r.headers
            ids.add(r.headers["X-Request-Id"])
        assert len(ids) == 3
        # invalid: too long, not ASCII, empty -> replaced by a generated one
        for bad in ("x" * 129, "caf\u00e9", ""):
            r = m.request("GET", "/healthz", key=None, headers={"X-Request-Id": bad})
            assert HEX32.match(r.headers["X-Request-Id"]), (bad, r.headers)
        # the HTTP layer's own answer (413 before the body is read)
        head = raw_request(m.port, b"POST /v1/sites/s1/comments HTTP/1.1\r\nHost: x\r\n"
                                   b"X-Request-Id: early-413\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: 99999999\r\n\r\n")
        assert head.startswith("HTTP/1.1 413"), head
        assert "\r\nX-Request-Id: early-413" in head, head
        # a line a handler logs while it runs carries the id as well
        wh = {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20}
        r = m.request("PUT", "/v1/sites/s1/webhook", wh, headers={"X-Request-Id": "hook-put"})
        assert r.status == 201, r
        lines = log_lines(m)
        for method, path, body, key, rid, status in cases + [
                ("POST", "/v1/sites/s1/comments", None, None, "early-413", 413)]:
            access = [l for l in lines if l.get("msg") == "request" and l.get("request_id") == rid]
            assert len(access) == 1, (rid, access)
            assert access[0]["status"] == status and access[0]["method"] == method, access
        hook = [l for l in lines if l.get("request_id") == "hook-put"]
        assert [l["msg"] for l in hook] == ["webhook: site s1 registration created", "request"], hook
        # a line the comment pipeline writes on its own thread: the verdict
        # event that Redis refused (its outbox key made a string)
        assert m.request("PUT", "/v1/sites/s1/webhook", dict(wh, events=["verdict"])).status == 200
        env.redis.cli("SET", "modq:{s1}:wh:outbox", "not-a-zset")
        body = {"id": "c-lost", "article_id": "a1", "text": "Bicycle lanes on Main Street.",
                "author": {"name": "Ann"}}
        r = m.request("POST", "/v1/sites/s1/comments", body, headers={"X-Request-Id": "lost-event"})
        assert r.status == 201 and r.headers["X-Request-Id"] == "lost-event", r
        lines = log_lines(m)
        lost = [l for l in lines if l.get("request_id") == "lost-event"]
        assert [l["msg"] for l in lost] == [
            "webhook: verdict event for comment c-lost not queued", "request"], lost
        assert lost[0]["level"] == "warn", lost
        # lines outside any request carry none
        start = [l for l in lines if "listening" in l.get("msg", "")]
        assert start and all("request_id" not in l for l in start), start


# ---- every operation of the document, driven by its route's role --------
# (tests/unit/test_openapi.c checks x-modq-role against the route table)

SCOPED_KEY = "scoped-client-key-0123456789"
SCOPED_MOD = "scoped-moderator-key-0123456789"
GATE_ENV = {"MODQ_CLIENT_KEYS": "%s,%s@elsewhere" % (CLIENT_KEY, SCOPED_KEY),
            "MODQ_MODERATOR_KEYS": "mia:%s,scoped:%s@elsewhere" % (MOD_KEY, SCOPED_MOD)}
# A valid body per route name: what the route needs to get past its checks
# (to Redis, for the 503 case).
BODIES = {
    "article_put": ARTICLE,
    "comment_post": {"article_id": "a1", "text": "Bicycle lanes.", "author": {"name": "Ann"}},
    "comment_edit": {"article_id": "a1", "text": "Bicycle lanes, edited.", "author": {"name": "Ann"}},
    "erasure": {"author": {"email": "ann@example.org"}},
    "review_claim": {"moderator": "mia", "site": "s1"},
    "review_release": {"moderator": "mia", "site": "s1", "ids": ["x1"]},
    "decision": {"moderator": "mia", "decision": "approve"},
    "bulk_decisions": {"moderator": "mia", "decisions": [{"site": "s1", "id": "x1",
                                                         "decision": "approve"}]},
    "webhook": {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20},
    "settings": {"thresholds": {"pending": 0.6}},
    "perspective": {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}},
    "coral": {"action": "NEW", "comment": {"body": "hi"}, "author": {"id": "u1"},
              "story": {"id": "a1"}, "site": {"id": "s1"}},
}


def operations():
    """(method, concrete path, route name, role, operation) for every
    operation of the document; {site} is s1 (or the given site), {id} x1."""
    for p, item in contract.DOC["paths"].items():
        for m in contract.METHODS:
            op = item.get(m)
            if op:
                yield m.upper(), p, op["x-modq-route"], op["x-modq-role"], op


# A well-formed id per kind: a dead letter's is 32 hex digits (another
# shape is answered 404 without asking Redis).
DEAD_LETTER_ID = "0123456789abcdef0123456789abcdef"


def concrete(p, site="s1"):
    ident = DEAD_LETTER_ID if "/dead/{id}" in p else "x1"
    return p.replace("{site}", site).replace("{id}", ident).replace("{file}", "index.html")


def takes_json(op):
    return "application/json" in op.get("requestBody", {}).get("content", {})


def code_of(r):
    e = (r.json or {}).get("error", {})
    return e.get("status") if isinstance(e.get("code"), int) else e.get("code")


def send(m, method, path, route, key, **kw):
    body = BODIES.get(route) if method in ("POST", "PUT") else None
    if "raw" in kw:
        body = None
    return m.request(method, path, body, key=key, **kw)


def test_every_operation_answers_its_gate_statuses(binary):
    """401 without a key, 403 for a client key on a moderator route and for
    a key scoped to other sites, 422 for a malformed {site}, 415 for a body
    that is not declared JSON, 400 for one that is not JSON: each where the
    route's role and request body call for it, each a status and error code
    the document gives that operation (the harness checks the body)."""
    with Env(binary, GATE_ENV) as env:
        m = env.modq
        seen = 0
        for method, p, route, role, op in operations():
            path = concrete(p)
            authed = role in ("client", "moderator")
            if authed:
                r = send(m, method, path, route, None)
                assert r.status == 401 and code_of(r) == "unauthorized", (method, p, r)
                seen += 1
            if role == "client_own_key":
                r = send(m, method, path, route, None)
                assert r.status == 401 and code_of(r) == "UNAUTHENTICATED", (method, p, r)
            if role == "moderator":
                r = send(m, method, path, route, CLIENT_KEY)
                assert r.status == 403 and code_of(r) == "forbidden", (method, p, r)
            if authed and "{site}" in p:
                scoped = SCOPED_MOD if role == "moderator" else SCOPED_KEY
                r = send(m, method, path, route, scoped)
                assert r.status == 403 and code_of(r) == "forbidden", (method, p, r)
                key = MOD_KEY if role == "moderator" else CLIENT_KEY
                r = send(m, method, concrete(p, "bad*site"), route, key)
                assert r.status == 422 and code_of(r) == "invalid_field", (method, p, r)
                assert r.json["error"]["field"] == "site", r
            key = MOD_KEY if role == "moderator" else CLIENT_KEY
            if takes_json(op) and role != "client_own_key":
                r = send(m, method, path, route, key, raw=b"{}", content_type="text/plain")
                assert r.status == 415 and code_of(r) == "unsupported_media_type", (method, p, r)
                r = send(m, method, path, route, key, raw=b"{\"a\":")
                assert r.status == 400 and code_of(r) == "malformed_json", (method, p, r)
            elif role == "client_own_key":
                r = send(m, method, path + "?key=" + CLIENT_KEY, route, None, raw=b"{\"a\":")
                assert r.status == 400 and code_of(r) == "INVALID_ARGUMENT", (method, p, r)
            # a malformed ?site= where the operation takes one
            if any(q.get("in") == "query" and q.get("name") == "site"
                   for q in op.get("parameters", [])):
                query = "?site=bad*site" + ("&key=" + CLIENT_KEY if role == "client_own_key" else "")
                r = send(m, method, path + query, route, None if role == "client_own_key" else key)
                want = {"client_own_key": (400, "INVALID_ARGUMENT"),
                        "public": (422, "invalid_field")}.get(role, (422, "invalid_field"))
                assert (r.status, code_of(r)) == want, (method, p, r)
                seen += 1
        assert seen >= 20, seen


def test_every_limited_operation_answers_429(binary):
    """With rate_limit_ip 1 per minute, every route but the open ones
    answers 429 rate_limited (Perspective: RESOURCE_EXHAUSTED) with
    Retry-After once the IP's one request is spent; the open ones still
    answer."""
    with Env(binary, {"MODQ_RATE_LIMIT_IP": "1"}) as env:
        m = env.modq
        assert m.request("GET", "/v1/detectors").status == 200  # the one request
        n = 0
        for method, p, route, role, op in operations():
            key = MOD_KEY if role == "moderator" else CLIENT_KEY
            query = "?key=" + CLIENT_KEY if role == "client_own_key" else ""
            r = send(m, method, concrete(p) + query, route, key)
            if role == "open":
                assert r.status in (200, 308), (method, p, r)
                continue
            want = "RESOURCE_EXHAUSTED" if role == "client_own_key" else "rate_limited"
            assert r.status == 429 and code_of(r) == want, (method, p, r)
            assert int(r.headers["Retry-After"]) >= 1, r.headers
            n += 1
        assert n >= 20, n


def test_redis_bound_operations_answer_503_while_redis_is_down(binary):
    """Every operation whose 503 documents redis_unavailable answers it when
    Redis is down and the request is otherwise valid; the comment routes
    (spooled: 201) and the rest answer without Redis."""
    with Env(binary) as env:
        m = env.modq
        env.redis.stop()
        n = 0
        for method, p, route, role, op in operations():
            resp = contract._deref(op["responses"].get("503", {}))
            schema = json.dumps(resp.get("content", {}))
            if "redis_unavailable" not in schema or route in ("comment_post", "coral"):
                continue
            key = MOD_KEY if role == "moderator" else CLIENT_KEY
            r = send(m, method, concrete(p), route, key)
            assert r.status == 503 and code_of(r) == "redis_unavailable", (method, p, r)
            n += 1
        assert n >= 10, n
        r = m.request("POST", "/v1/sites/s1/comments", BODIES["comment_post"])
        assert r.status == 201 and r.json["provisional"] is True, r
