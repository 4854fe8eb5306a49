"""test_akismet.py - the Akismet drop-in: protocol details over raw HTTP, then
two published npm clients (akismet-api 6, akismet 2) used unmodified.

The npm side lives in tests/npm (pinned package.json + package-lock.json);
`npm ci` runs there when node_modules is missing. The clients build
http://KEY.<domain>:<port>/1.1/... URLs, so <domain> and KEY.<domain> must
resolve to 127.0.0.1: as root the test adds the missing names to /etc/hosts
(one tagged line, only what is missing, so re-runs change nothing);
otherwise the client script resolves that one domain itself (--hook-dns).
"""
import json
import os
import shutil
import socket
import subprocess
import urllib.parse

from harness import CLIENT_KEY, MOD_KEY, Env

HERE = os.path.dirname(os.path.abspath(__file__))
NPM_DIR = os.path.join(HERE, "..", "npm")
DOMAIN = "modq-akismet.test"
BAD_KEY = "unknown-key-0123456789abcdef"
SCOPED_KEY = "scoped-client-key-0123456789"
BLOG = "https://Blog.Example.com:8443/"
SITE = "blog.example.com"
HOSTS_TAG = "# modq tests (tests/integration/test_akismet.py)"
TEXT = "text/plain; charset=utf-8"

ARTICLE = {"title": "Drought forces city to ration water as reservoirs fall to record lows",
           "body": "The city council voted to introduce water rationing after the two main "
                   "reservoirs dropped below twenty percent of capacity. Households will be "
                   "limited to a daily allowance and watering lawns is banned. Engineers blame "
                   "weak rainfall and an ageing network that loses treated water through leaks.",
           "url": "https://blog.example.com/2026/drought-rationing",
           "tags": ["drought", "water"]}
HAM = ("The reservoir levels have been falling for three winters now. Rationing water for "
       "lawns makes sense, but the council should fix the leaking network first.")
ENV = {"MODQ_CLIENT_KEYS": "%s,%s@other.example" % (CLIENT_KEY, SCOPED_KEY),
       "MODQ_BANNED_WORDS": "viagra", "MODQ_SUSPECT_WORDS": "refund",
       "MODQ_MAX_BODY": "262144"}  # room for a comment over the engine's 64 KiB


def form_post(m, path, fields, host=None, content_type="application/x-www-form-urlencoded"):
    raw = fields if isinstance(fields, bytes) else urllib.parse.urlencode(fields).encode()
    headers = {"Host": host} if host else None
    return m.request("POST", path, raw=raw, key=None, content_type=content_type, headers=headers)


def stored(env, site=SITE):
    """Every stored comment record of a site, decoded."""
    out = []
    keys = env.redis.cli("--scan", "--pattern", "modq:{%s}:comment:*" % site).split()
    for k in keys:
        out.append(json.loads(env.redis.cli("GET", k)))
    return out


def queued(env, site=SITE):
    return env.redis.cli("ZRANGE", "modq:{%s}:pending" % site, 0, -1).split()


def base(**kw):
    f = {"blog": BLOG, "user_ip": "203.0.113.7", "user_agent": "Mozilla/5.0",
         "permalink": ARTICLE["url"], "comment_type": "comment",
         "comment_author": "Dana Reader", "comment_author_email": "dana@example.org",
         "comment_content": HAM, "comment_date_gmt": "2026-05-01 10:00:00"}
    f.update(kw)
    return f


def test_akismet_verify_key_and_errors(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY, "blog": BLOG})
        assert r.status == 200 and r.raw == b"valid", r
        assert r.headers["Content-Type"] == TEXT, r.headers
        r = form_post(m, "/1.1/verify-key", {"key": MOD_KEY, "blog": BLOG})
        assert r.raw == b"valid", r
        r = form_post(m, "/1.1/verify-key", {"key": BAD_KEY, "blog": BLOG})
        assert r.status == 200 and r.raw == b"invalid", r
        assert "Invalid API key" in r.headers["X-akismet-debug-help"], r.headers
        # key as the Host header's first label (the legacy form)
        r = form_post(m, "/1.1/verify-key", {"blog": BLOG}, host="%s.%s" % (CLIENT_KEY, DOMAIN))
        assert r.raw == b"valid", r
        # missing blog, missing key, unusable blog
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY})
        assert r.raw == b"invalid" and "blog" in r.headers["X-akismet-debug-help"], r.headers
        r = form_post(m, "/1.1/verify-key", {"blog": BLOG})
        assert r.raw == b"invalid" and "api_key" in r.headers["X-akismet-debug-help"], r.headers
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY, "blog": "https://bl%20og/"})
        assert r.raw == b"invalid", r
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY, "blog": "https://\u00e9t\u00e9.example/"})
        assert r.raw == b"invalid" and "punycode" in r.headers["X-akismet-debug-help"], r
        # site scope: the scoped key may act on other.example only
        r = form_post(m, "/1.1/verify-key", {"key": SCOPED_KEY, "blog": "http://other.example"})
        assert r.raw == b"valid", r
        r = form_post(m, "/1.1/verify-key", {"key": SCOPED_KEY, "blog": BLOG})
        assert r.raw == b"invalid" and SITE in r.headers["X-akismet-debug-help"], r.headers
        # comment-check: missing user_ip, invalid UTF-8, %00, unknown key
        r = form_post(m, "/1.1/comment-check", dict(base(user_ip=""), api_key=CLIENT_KEY))
        assert r.raw == b"invalid" and "user_ip" in r.headers["X-akismet-debug-help"], r.headers
        raw = urllib.parse.urlencode(dict(base(), api_key=CLIENT_KEY)).encode() + b"&comment_content=caf%E9"
        r = form_post(m, "/1.1/comment-check", raw)
        assert r.raw == b"invalid" and "UTF-8" in r.headers["X-akismet-debug-help"], r.headers
        r = form_post(m, "/1.1/comment-check", b"api_key=" + CLIENT_KEY.encode() + b"&blog=x%00y")
        assert r.raw == b"invalid", r
        r = form_post(m, "/1.1/comment-check", dict(base(), api_key=BAD_KEY))
        assert r.raw == b"invalid", r
        r = form_post(m, "/1.1/submit-spam", dict(base(), api_key=BAD_KEY))
        assert r.raw == b"invalid", r
        # too long for the engine -> invalid, not a crash or a 5xx
        r = form_post(m, "/1.1/comment-check", dict(base(comment_content="word " * 20000),
                                                    api_key=CLIENT_KEY))
        assert r.status == 200 and r.raw == b"invalid", r
        assert stored(env) == [] and queued(env) == []
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        line = [l for l in metrics.splitlines() if l.startswith("modq_auth_failures_total")][0]
        assert int(line.split()[1]) >= 4, line


def test_akismet_comment_check_mapping(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        r = m.request("PUT", "/v1/sites/%s/articles/drought" % SITE, ARTICLE)
        assert r.status == 201, r
        ck = lambda **kw: form_post(m, "/1.1/comment-check", dict(base(**kw), api_key=CLIENT_KEY))
        # ham, with WordPress-style extra fields that must be ignored
        r = ck(POST_comment_post_ID="42", HTTP_ACCEPT="text/html", blog_lang="en_US",
               blog_charset="UTF-8", comment_parent="0", comment_post_modified_gmt="2026-04-30",
               recheck_reason="", **{"comment_context[]": "water"})
        assert r.status == 200 and r.raw == b"false", r
        assert r.headers["Content-Type"] == TEXT and r.headers["X-modq-status"] == "approved"
        assert "X-akismet-pro-tip" not in r.headers
        ham_id = r.headers["X-modq-id"]
        assert ham_id.startswith("ak-") and len(ham_id) == 35, ham_id
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, ham_id))
        assert got.status == 200 and got.json["article_id"] == "drought", got
        assert got.json["relevance"] > 0, got.json  # the registered article was used
        # same check again (a client retry): same id, same answer, nothing new
        r2 = ck(POST_comment_post_ID="42")
        assert r2.raw == b"false" and r2.headers["X-modq-id"] == ham_id, r2
        # pending -> true, queued once even when retried
        rv = ck(comment_author="Refund Seeker", comment_author_email="refund@example.org",
                comment_content="How do I get a refund for the water meter installation fee?")
        assert rv.raw == b"true" and rv.headers["X-modq-status"] == "pending", rv
        assert "X-akismet-pro-tip" not in rv.headers
        rv2 = ck(comment_author="Refund Seeker", comment_author_email="refund@example.org",
                 comment_content="How do I get a refund for the water meter installation fee?")
        assert rv2.headers["X-modq-id"] == rv.headers["X-modq-id"]
        assert queued(env) == [rv.headers["X-modq-id"]], queued(env)
        # blatant -> true + discard, stored as rejected, not queued
        rs = ck(comment_author="Pills", comment_content="buyviagranow cheapest pills online")
        assert rs.raw == b"true" and rs.headers["X-akismet-pro-tip"] == "discard", rs.headers
        assert rs.headers["X-modq-status"] == "rejected"
        # unknown permalink: stable per-permalink article id; none: a fixed one
        ru = ck(permalink="https://blog.example.com/unregistered", comment_author="Lee",
                comment_content="Great photos of the empty reservoir in this piece, thank you.")
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, ru.headers["X-modq-id"]))
        assert got.json["article_id"].startswith("ak-url-"), got.json
        rn = ck(permalink="", comment_author="Kim",
                comment_content="I would like to read more about how the fines will be enforced.")
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, rn.headers["X-modq-id"]))
        assert got.json["article_id"] == "ak-none", got.json
        # key in the Host header, no api_key field; content type the akismet
        # npm package sends ("charset=utf-8", no media type) is still a form
        rh = form_post(m, "/1.1/comment-check",
                       base(comment_author="Host Key",
                            comment_content="Fixing leaks in the water network would save more "
                                            "than banning sprinklers, in my view."),
                       host="%s.%s:80" % (CLIENT_KEY, DOMAIN), content_type="charset=utf-8")
        assert rh.raw == b"false", rh
        n_stored = len(stored(env))
        # Akismet's test values: answered, never stored or queued
        for kw, want in ((dict(comment_author="viagra-test-123"), b"true"),
                         (dict(comment_author="akismet-guaranteed-spam"), b"true"),
                         (dict(comment_author_email="akismet-guaranteed-spam@example.com"), b"true"),
                         (dict(user_role="editor,administrator",
                               comment_content="buyviagranow cheapest"), b"false"),
                         (dict(honeypot_field_name="hp", hp="x"), b"true"),
                         (dict(comment_content=""), b"false")):
            r = ck(**kw)
            assert r.raw == want, (kw, r)
            assert "X-modq-id" not in r.headers, (kw, r.headers)
        r = ck(honeypot_field_name="hp", hp="x", comment_author="Bot")
        assert r.headers["X-akismet-pro-tip"] == "discard", r.headers
        r = ck(honeypot_field_name="hp", hp="", comment_author="Human",  # empty honeypot
               comment_content="Will the rationing rules also apply to farms in the valley or "
                               "only to households?")
        assert r.raw == b"false" and "X-modq-id" in r.headers, r
        n_stored += 1
        # is_test: analysed (true for spam, false for ham) but nothing written
        r = ck(is_test="1", comment_author="T1", comment_content="buyviagranow cheapest test")
        assert r.raw == b"true" and r.headers["X-modq-status"] == "rejected", r.headers
        r = ck(is_test="true", comment_author="T2",
               comment_content="How do I get a refund for the water meter fee, test?")
        assert r.raw == b"true" and r.headers["X-modq-status"] == "pending", r.headers
        r = ck(is_test="1", comment_author="T3",
               comment_content="Rainfall records show this is the third dry winter for the reservoirs.")
        assert r.raw == b"false", r
        assert len(stored(env)) == n_stored, stored(env)
        assert len(queued(env)) == 1
        # submit-spam / submit-ham: thanks, trained like a decision, nothing
        # queued or stored; is_test submissions train nothing
        thanks = b"Thanks for making the web a better place."
        for path in ("/1.1/submit-spam", "/1.1/submit-ham"):
            r = form_post(m, path, dict(base(comment_author="Unseen"), api_key=CLIENT_KEY,
                                        is_test="1"))
            assert r.raw == thanks, r
        assert env.redis.cli("HGETALL", "modq:{%s}:bayes:n" % SITE) == ""
        # the first ham check again: the stored comment is what is learned
        r = form_post(m, "/1.1/submit-spam", dict(base(), api_key=CLIENT_KEY))
        assert r.status == 200 and r.raw == thanks, r
        assert env.redis.cli("EXISTS", "modq:{%s}:learned:%s" % (SITE, ham_id)) == "1"
        # never checked: learned from the fields
        r = form_post(m, "/1.1/submit-ham", dict(base(comment_author="Never Checked",
                                                      comment_content="A fair article."),
                                                 api_key=CLIENT_KEY))
        assert r.raw == thanks, r
        n = env.redis.cli("HGETALL", "modq:{%s}:bayes:n" % SITE).split()
        assert dict(zip(n[::2], n[1::2])) == {"spam": "1", "ham": "1"}, n
        assert len(queued(env)) == 1 and len(stored(env)) == n_stored
        # usage-limit (GET and POST), Akismet's unlimited shape
        r = m.request("GET", "/1.2/usage-limit?api_key=" + CLIENT_KEY, key=None)
        assert r.status == 200, r
        u = r.json
        assert u["limit"] == "none" and u["percentage"] == "0.00" and u["throttled"] is False, u
        assert u["usage"] == 19, u  # every comment-check above with a valid key
        r = form_post(m, "/1.2/usage-limit", {"api_key": CLIENT_KEY})
        assert r.json["usage"] == u["usage"], r
        r = m.request("GET", "/1.2/usage-limit?api_key=" + BAD_KEY, key=None)
        assert r.raw == b"invalid", r


def ensure_hosts(names):
    """Make names resolve to 127.0.0.1. Returns True when the system
    resolver does (already, or after adding the missing ones to /etc/hosts
    as root), False when the Node script must resolve them itself."""
    def resolves(n):
        try:
            return socket.gethostbyname(n) == "127.0.0.1"
        except OSError:
            return False
    missing = [n for n in names if not resolves(n)]
    if not missing:
        return True
    if os.geteuid() != 0 or not os.access("/etc/hosts", os.W_OK):
        return False
    with open("/etc/hosts") as f:
        present = set(w for line in f for w in line.split("#")[0].split()[1:])
    add = [n for n in missing if n not in present]
    if add:
        with open("/etc/hosts", "a") as f:
            f.write("127.0.0.1 %s %s\n" % (" ".join(add), HOSTS_TAG))
    return all(resolves(n) for n in names)


def npm_ready():
    if os.path.isdir(os.path.join(NPM_DIR, "node_modules", "akismet-api")) and \
            os.path.isdir(os.path.join(NPM_DIR, "node_modules", "akismet")):
        return
    if not shutil.which("npm"):
        raise AssertionError("npm is missing: run `make bootstrap` (installs nodejs npm)")
    out = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NPM_DIR,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def test_akismet_npm_clients(binary):
    npm_ready()
    names = [DOMAIN, "%s.%s" % (CLIENT_KEY, DOMAIN), "%s.%s" % (BAD_KEY, DOMAIN)]
    system_dns = ensure_hosts(names)
    with Env(binary, ENV) as env:
        m = env.modq
        r = m.request("PUT", "/v1/sites/%s/articles/drought" % SITE, ARTICLE)
        assert r.status == 201, r
        cmd = ["node", os.path.join(NPM_DIR, "akismet_clients.mjs"), "--port", str(m.port),
               "--key", CLIENT_KEY, "--bad-key", BAD_KEY, "--domain", DOMAIN, "--blog", BLOG]
        if not system_dns:
            cmd.append("--hook-dns")
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=40)
        assert out.returncode == 0, out.stdout + out.stderr
        res = json.loads(out.stdout.strip().splitlines()[-1])
        a = res["akismet-api"]
        assert a["endpoint"] == "http://%s.%s:%d/1.1/" % (CLIENT_KEY, DOMAIN, m.port), a
        want = {"verifyKey": True, "verifyKeyBad": False, "checkHam": False, "checkSpam": True,
                "checkReview": True, "checkReviewAgain": True, "testAuthor": True,
                "testGuaranteed": True, "testEmail": True, "testAdministrator": False,
                "isTestSpam": True, "honeypot": True,
                "submitSpam": "Thanks for making the web a better place.",
                "submitHam": "Thanks for making the web a better place.",
                "checkBadKey": {"error": "Invalid API key"}}
        for k, v in want.items():
            assert a.get(k) == v, ("akismet-api", k, a.get(k), res)
        j = res["akismet"]
        want = {"verifyKey": True, "verifyKeyBad": False, "checkHam": False, "checkSpam": True,
                "checkReview": True, "testAuthor": True, "submitSpam": "ok", "submitHam": "ok",
                "checkBadKey": False}
        for k, v in want.items():
            assert j.get(k) == v, ("akismet", k, j.get(k), res)
        # what reached Redis: each analysed comment once, under the blog's
        # site, on the permalink's article; test values and is_test absent
        recs = stored(env)
        by = {}
        for c in recs:
            by.setdefault(c["author"]["name"], []).append(c)
        assert sorted(by) == ["Cheap Pills", "Dana Reader", "Pill Shop 2", "Refund Seeker",
                              "Second Seeker"], sorted(by)
        assert len(by["Refund Seeker"]) == 1  # the retried check stored once
        assert len(by["Dana Reader"]) == 2   # one per client (different text)
        assert all(c["article_id"] == "drought" and c["site"] == SITE for c in recs), recs
        assert by["Cheap Pills"][0]["status"] == "rejected"
        assert all(c["status"] == "approved" for c in by["Dana Reader"])
        q = set(queued(env))
        assert q == {by["Refund Seeker"][0]["id"], by["Second Seeker"][0]["id"]}, q
