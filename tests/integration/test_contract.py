"""test_contract.py - the OpenAPI document served and obeyed, and request ids.

GET /openapi.json serves docs/openapi.json byte for byte, without a key; the
document's null-for-absent fields are what the server answers; X-Request-Id
is echoed when valid, generated when absent or invalid, on every response
(errors of the router, the gate and the HTTP layer included) and written in
every log line of the request. (Every response of the suite is checked
against the document by harness.py; contract.py says how.)"""
import json
import os
import re
import socket

import contract
from harness import CLIENT_KEY, Env

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
        # lines outside any request carry none
        start = [l for l in lines if "listening" in l.get("msg", "")]
        assert start and all("request_id" not in l for l in start), start
