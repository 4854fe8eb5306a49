"""test_security.py - who may call what (site scopes, moderator-only
endpoints, sha256: keys), secrets never logged, and HTTPS via config."""
import atexit
import hashlib
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import http.client

from harness import CLIENT_KEY, MOD_KEY, Env

ARTICLE = {"title": "Bicycle lanes", "body": "The council voted for bicycle lanes."}
COMMENT = {"id": "c1", "article_id": "a1", "text": "Good news for cyclists in town.",
           "author": {"name": "Ann", "email": "ann@example.org", "ip": "203.0.113.7"}}


def test_site_scoped_key(binary):
    """A client key scoped with @siteA gets 403 on site B's comments and
    articles, and works on site A."""
    scoped = "scoped-client-key-0123456789"
    with Env(binary, {"MODQ_CLIENT_KEYS": "%s,%s@siteA|siteC" % (CLIENT_KEY, scoped)}) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/siteA/articles/a1", ARTICLE, key=scoped).status == 201
        assert m.request("PUT", "/v1/sites/siteB/articles/a1", ARTICLE).status == 201
        r = m.request("POST", "/v1/sites/siteA/comments", COMMENT, key=scoped)
        assert r.status == 201, r
        assert m.request("POST", "/v1/sites/siteB/comments", COMMENT).status == 201
        for method, path, body in (
                ("PUT", "/v1/sites/siteB/articles/a1", ARTICLE),
                ("GET", "/v1/sites/siteB/articles/a1", None),
                ("POST", "/v1/sites/siteB/comments", dict(COMMENT, id="c2")),
                ("GET", "/v1/sites/siteB/comments/c1", None),
                ("GET", "/v1/sites/siteAA/comments/c1", None)):
            r = m.request(method, path, body, key=scoped)
            assert r.status == 403 and r.json["error"]["code"] == "forbidden", (method, path, r)
        assert m.request("GET", "/v1/sites/siteA/comments/c1", key=scoped).status == 200
        # the forbidden POST stored nothing
        assert m.request("GET", "/v1/sites/siteB/comments/c2").status == 404


def test_moderator_endpoints_refuse_client_keys(binary):
    with Env(binary) as env:
        m = env.modq
        for method, path in (("GET", "/v1/review/stats"), ("GET", "/v1/review"),
                             ("POST", "/v1/review/claim"), ("GET", "/v1/audit"),
                             ("GET", "/v1/review/whoami")):
            r = m.request(method, path, {} if method == "POST" else None, key=CLIENT_KEY)
            assert r.status == 403 and r.json["error"]["code"] == "forbidden", (path, r)
            r = m.request(method, path, {} if method == "POST" else None, key=None)
            assert r.status == 401, (path, r)
        r = m.request("GET", "/v1/review/stats", key=MOD_KEY)
        assert r.status not in (401, 403), r


def test_sha256_keys_and_no_secret_in_logs(binary):
    """Config may hold sha256:<hex> instead of a key: the key works, the
    hash itself is no key. Neither key nor hash is ever logged."""
    secret = "plain-secret-client-key-42"
    digest = hashlib.sha256(secret.encode()).hexdigest()
    mod_secret = "plain-secret-moderator-key-42"
    mod_digest = hashlib.sha256(mod_secret.encode()).hexdigest()
    with Env(binary, {"MODQ_CLIENT_KEYS": "sha256:" + digest,
                      "MODQ_MODERATOR_KEYS": "noah:sha256:%s@s1" % mod_digest,
                      "MODQ_LOG_LEVEL": "debug"}) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE, key=secret).status == 201
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE, key=digest).status == 401
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE,
                         key="sha256:" + digest).status == 401
        assert m.request("GET", "/v1/sites/s1/articles/a1", key=mod_secret).status == 200
        assert m.request("GET", "/v1/sites/s2/articles/a1", key=mod_secret).status == 403
        r = m.request("GET", "/v1/review/whoami", key=mod_secret)
        assert r.status == 200 and r.json["moderator"] == "noah" and r.json["site"] == "s1", r
        m.request("POST", "/v1/sites/s1/comments", COMMENT, key=secret)
        m.request("GET", "/v1/sites/s1/comments/c1?key=" + secret, key=secret)
        out = subprocess.run([binary, "--print-config"], env=m.env, capture_output=True,
                             text=True, timeout=20)
        log = m.log() + out.stdout + out.stderr
        for s in (secret, digest, mod_secret, mod_digest):
            assert s not in log, "secret material in the log or --print-config"
        # the API form of a comment carries no e-mail or IP
        r = m.request("GET", "/v1/sites/s1/comments/c1", key=secret)
        assert "ann@example.org" not in r.raw.decode() and "203.0.113.7" not in r.raw.decode()


_CERTS = {}


def certs():
    """A self-signed certificate for 127.0.0.1, made once per run:
    (temp dir, cert path, key path). The dir goes at exit."""
    if not _CERTS:
        tmp = tempfile.mkdtemp(prefix="modq-tls-")
        atexit.register(shutil.rmtree, tmp, True)
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True,
                       timeout=60)
        _CERTS.update(tmp=tmp, cert=cert, key=key)
    return _CERTS["tmp"], _CERTS["cert"], _CERTS["key"]


def test_tls_serves_the_api_over_tls12_or_later(binary):
    _, cert, key = certs()
    with Env(binary, {"MODQ_TLS_CERT": cert, "MODQ_TLS_KEY": key}) as env:
        m = env.modq
        ctx = ssl.create_default_context(cafile=cert)     # verify against it
        conn = http.client.HTTPSConnection("127.0.0.1", m.port, context=ctx, timeout=10)
        conn.request("PUT", "/v1/sites/s1/articles/a1", body=json.dumps(ARTICLE),
                     headers={"Authorization": "Bearer " + CLIENT_KEY,
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        assert r.status == 201, (r.status, r.read())
        r.read()
        conn.request("GET", "/healthz")                     # keep-alive over TLS
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["status"] == "ok"
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3"), conn.sock.version()
        conn.close()


def test_tls_refuses_tls11_and_plain_http(binary):
    _, cert, key = certs()
    with Env(binary, {"MODQ_TLS_CERT": cert, "MODQ_TLS_KEY": key}) as env:
        m = env.modq
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(cert)
        try:
            old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
            c = http.client.HTTPSConnection("127.0.0.1", m.port, context=old, timeout=5)
            c.request("GET", "/healthz")
            refused = False
        except (ssl.SSLError, OSError, ValueError):
            refused = True
        assert refused, "TLS 1.1 accepted"
        # plain HTTP on the TLS port gets no API answer
        try:
            plain = m.request("GET", "/healthz", key=None, timeout=5)
            assert plain.status != 200, plain
        except (OSError, http.client.HTTPException):
            pass


def test_bad_tls_settings_exit_naming_the_key(binary):
    tmp, cert, key = certs()
    garbage = os.path.join(tmp, "garbage.pem")
    with open(garbage, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n")
    for extra, name in (({"MODQ_TLS_CERT": os.path.join(tmp, "missing.pem"),
                          "MODQ_TLS_KEY": key}, "tls_cert"),
                        ({"MODQ_TLS_CERT": cert, "MODQ_TLS_KEY": cert}, "tls_key"),
                        ({"MODQ_TLS_CERT": cert, "MODQ_TLS_KEY": garbage}, "tls_"),
                        ({"MODQ_TLS_CERT": cert}, "tls_key"),
                        ({"MODQ_TLS_KEY": key}, "tls_cert")):
        env = dict(os.environ, MODQ_LISTEN="127.0.0.1:0", MODQ_SPOOL_DIR=os.path.join(tmp, "sp"),
                   **extra)
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=20)
        assert p.returncode != 0 and name in p.stderr, (extra, p.returncode, p.stderr[-500:])
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
