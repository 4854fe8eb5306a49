"""test_akismet.py - the Akismet drop-in: protocol details over raw HTTP, then
two published npm clients (akismet-api 6, akismet 2) used unmodified.

The npm side lives in tests/npm (pinned package.json + package-lock.json);
`npm ci` runs there when node_modules is missing. The clients build
http://KEY.<domain>:<port>/1.1/... URLs, so <domain> and KEY.<domain> must
resolve to 127.0.0.1: as root the test adds the missing names to /etc/hosts
(one tagged line, only what is missing, so re-runs change nothing);
otherwise the client script resolves that one domain itself (--hook-dns).
What the checks leave in Redis (records, classifier counts) is checked in
test_store_keys.py and test_store_learning.py.
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
THANKS = b"Thanks for making the web a better place."

ARTICLE = {"title": "Drought forces city to ration water as reservoirs fall to record lows",
           "body": "The city council voted to introduce water rationing after the two main "
                   "reservoirs dropped below twenty percent of capacity. Households will be "
                   "limited to a daily allowance and watering lawns is banned. Engineers blame "
                   "weak rainfall and an ageing network that loses treated water through leaks.",
           "url": "https://blog.example.com/2026/drought-rationing",
           "tags": ["drought", "water"]}
HAM = ("The reservoir levels have been falling for three winters now. Rationing water for "
       "lawns makes sense, but the council should fix the leaking network first.")
REFUND = "How do I get a refund for the water meter installation fee?"
ENV = {"MODQ_CLIENT_KEYS": "%s,%s@other.example" % (CLIENT_KEY, SCOPED_KEY),
       "MODQ_BANNED_WORDS": "viagra", "MODQ_SUSPECT_WORDS": "refund",
       "MODQ_MAX_BODY": "262144"}  # room for a comment over the engine's 64 KiB


def form_post(m, path, fields, host=None, content_type="application/x-www-form-urlencoded"):
    raw = fields if isinstance(fields, bytes) else urllib.parse.urlencode(fields).encode()
    headers = {"Host": host} if host else None
    return m.request("POST", path, raw=raw, key=None, content_type=content_type, headers=headers)


def created(m):
    """Comments modq stored (modq_comments_total over every status)."""
    text = m.request("GET", "/metrics", key=None).raw.decode()
    return sum(int(float(l.split()[-1])) for l in text.splitlines()
               if l.startswith("modq_comments_total{"))


def base(**kw):
    f = {"blog": BLOG, "user_ip": "203.0.113.7", "user_agent": "Mozilla/5.0",
         "permalink": ARTICLE["url"], "comment_type": "comment",
         "comment_author": "Dana Reader", "comment_author_email": "dana@example.org",
         "comment_content": HAM, "comment_date_gmt": "2026-05-01 10:00:00"}
    f.update(kw)
    return f


def checker(m):
    """comment-check with the base fields, kw replacing some, a valid key."""
    return lambda **kw: form_post(m, "/1.1/comment-check", dict(base(**kw), api_key=CLIENT_KEY))


def with_article(env):
    r = env.modq.request("PUT", "/v1/sites/%s/articles/drought" % SITE, ARTICLE)
    assert r.status == 201, r
    return env.modq


# ----------------------------------------------------------------- verify-key

def test_verify_key_knows_client_and_moderator_keys(binary):
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


def test_verify_key_without_key_or_usable_blog_is_invalid(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY})
        assert r.raw == b"invalid" and "blog" in r.headers["X-akismet-debug-help"], r.headers
        r = form_post(m, "/1.1/verify-key", {"blog": BLOG})
        assert r.raw == b"invalid" and "api_key" in r.headers["X-akismet-debug-help"], r.headers
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY, "blog": "https://bl%20og/"})
        assert r.raw == b"invalid", r
        r = form_post(m, "/1.1/verify-key", {"key": CLIENT_KEY, "blog": "https://\u00e9t\u00e9.example/"})
        assert r.raw == b"invalid" and "punycode" in r.headers["X-akismet-debug-help"], r


def test_verify_key_holds_a_scoped_key_to_its_sites(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        r = form_post(m, "/1.1/verify-key", {"key": SCOPED_KEY, "blog": "http://other.example"})
        assert r.raw == b"valid", r
        r = form_post(m, "/1.1/verify-key", {"key": SCOPED_KEY, "blog": BLOG})
        assert r.raw == b"invalid" and SITE in r.headers["X-akismet-debug-help"], r.headers


def bad_checks(m):
    """Requests that must each answer "invalid": missing user_ip, invalid
    UTF-8, %00, an unknown key (check and submission), a comment too long
    for the engine. Returns the answers."""
    out = [form_post(m, "/1.1/comment-check", dict(base(user_ip=""), api_key=CLIENT_KEY))]
    raw = urllib.parse.urlencode(dict(base(), api_key=CLIENT_KEY)).encode() + b"&comment_content=caf%E9"
    out.append(form_post(m, "/1.1/comment-check", raw))
    out.append(form_post(m, "/1.1/comment-check", b"api_key=" + CLIENT_KEY.encode() + b"&blog=x%00y"))
    out.append(form_post(m, "/1.1/comment-check", dict(base(), api_key=BAD_KEY)))
    out.append(form_post(m, "/1.1/submit-spam", dict(base(), api_key=BAD_KEY)))
    out.append(form_post(m, "/1.1/comment-check", dict(base(comment_content="word " * 20000),
                                                         api_key=CLIENT_KEY)))
    return out


def test_bad_check_is_invalid_naming_the_problem(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        no_ip, bad_utf8, nul, bad_key, bad_key_submit, too_long = bad_checks(m)
        assert no_ip.raw == b"invalid" and "user_ip" in no_ip.headers["X-akismet-debug-help"], no_ip.headers
        assert bad_utf8.raw == b"invalid" and "UTF-8" in bad_utf8.headers["X-akismet-debug-help"], bad_utf8.headers
        assert nul.raw == b"invalid", nul
        assert bad_key.raw == b"invalid", bad_key
        assert bad_key_submit.raw == b"invalid", bad_key_submit
        # too long for the engine -> invalid, not a crash or a 5xx
        assert too_long.status == 200 and too_long.raw == b"invalid", too_long


def test_unknown_and_out_of_scope_keys_count_as_auth_failures(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        form_post(m, "/1.1/verify-key", {"key": BAD_KEY, "blog": BLOG})
        form_post(m, "/1.1/verify-key", {"blog": BLOG})
        form_post(m, "/1.1/verify-key", {"key": SCOPED_KEY, "blog": BLOG})
        bad_checks(m)
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        line = [l for l in metrics.splitlines() if l.startswith("modq_auth_failures_total")][0]
        assert int(line.split()[1]) >= 4, line


def test_bad_check_stores_nothing(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        bad_checks(m)
        assert created(m) == 0
        assert m.queue(SITE) == [] and m.queue(SITE, "rejected") == []


# ----------------------------------------------------------------- comment-check

def test_ham_check_answers_false_under_the_permalinks_article(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        # WordPress-style extra fields must be ignored
        r = checker(m)(POST_comment_post_ID="42", HTTP_ACCEPT="text/html", blog_lang="en_US",
                       blog_charset="UTF-8", comment_parent="0",
                       comment_post_modified_gmt="2026-04-30", recheck_reason="",
                       **{"comment_context[]": "water"})
        assert r.status == 200 and r.raw == b"false", r
        assert r.headers["Content-Type"] == TEXT and r.headers["X-modq-status"] == "approved"
        assert "X-akismet-pro-tip" not in r.headers
        ham_id = r.headers["X-modq-id"]
        assert ham_id.startswith("ak-") and len(ham_id) == 35, ham_id
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, ham_id))
        assert got.status == 200 and got.json["article_id"] == "drought", got
        assert got.json["relevance"] > 0, got.json  # the registered article was used


def test_retried_check_answers_the_same_id(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        ck = checker(m)
        ham_id = ck(POST_comment_post_ID="42").headers["X-modq-id"]
        # same check again (a client retry): same id, same answer, nothing new
        r2 = ck(POST_comment_post_ID="42")
        assert r2.raw == b"false" and r2.headers["X-modq-id"] == ham_id, r2
        assert created(m) == 1


def test_check_held_for_review_answers_true_and_queues_once(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        ck = checker(m)
        rv = ck(comment_author="Refund Seeker", comment_author_email="refund@example.org",
                comment_content=REFUND)
        assert rv.raw == b"true" and rv.headers["X-modq-status"] == "pending", rv
        assert "X-akismet-pro-tip" not in rv.headers
        rv2 = ck(comment_author="Refund Seeker", comment_author_email="refund@example.org",
                 comment_content=REFUND)
        assert rv2.headers["X-modq-id"] == rv.headers["X-modq-id"]
        assert m.queue(SITE) == [rv.headers["X-modq-id"]], m.queue(SITE)


def test_blatant_spam_answers_true_and_discard(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        rs = checker(m)(comment_author="Pills", comment_content="buyviagranow cheapest pills online")
        assert rs.raw == b"true" and rs.headers["X-akismet-pro-tip"] == "discard", rs.headers
        assert rs.headers["X-modq-status"] == "rejected"
        # stored as rejected, not queued
        assert m.queue(SITE) == []
        assert m.queue(SITE, "rejected") == [rs.headers["X-modq-id"]]


def test_unknown_or_missing_permalink_gets_a_fixed_article_id(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        ck = checker(m)
        ru = ck(permalink="https://blog.example.com/unregistered", comment_author="Lee",
                comment_content="Great photos of the empty reservoir in this piece, thank you.")
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, ru.headers["X-modq-id"]))
        assert got.json["article_id"].startswith("ak-url-"), got.json
        again = ck(permalink="https://blog.example.com/unregistered", comment_author="Lou",
                   comment_content="The reservoir photos make the drought very real.")
        got2 = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, again.headers["X-modq-id"]))
        assert got2.json["article_id"] == got.json["article_id"], (got.json, got2.json)
        rn = ck(permalink="", comment_author="Kim",
                comment_content="I would like to read more about how the fines will be enforced.")
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, rn.headers["X-modq-id"]))
        assert got.json["article_id"] == "ak-none", got.json


def test_key_in_host_header_and_charset_only_content_type(binary):
    """No api_key field, the key in the Host header; the content type the
    akismet npm package sends ("charset=utf-8", no media type) is still a
    form."""
    with Env(binary, ENV) as env:
        m = with_article(env)
        rh = form_post(m, "/1.1/comment-check",
                       base(comment_author="Host Key",
                            comment_content="Fixing leaks in the water network would save more "
                                            "than banning sprinklers, in my view."),
                       host="%s.%s:80" % (CLIENT_KEY, DOMAIN), content_type="charset=utf-8")
        assert rh.raw == b"false", rh


# Akismet's documented test values: answered as Akismet would, never stored.
TEST_VALUES = ((dict(comment_author="viagra-test-123"), b"true"),
               (dict(comment_author="akismet-guaranteed-spam"), b"true"),
               (dict(comment_author_email="akismet-guaranteed-spam@example.com"), b"true"),
               (dict(user_role="editor,administrator", comment_content="buyviagranow cheapest"),
                b"false"),
               (dict(honeypot_field_name="hp", hp="x"), b"true"),
               (dict(comment_content=""), b"false"))


def test_akismet_test_values_are_answered_never_stored(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        ck = checker(m)
        for kw, want in TEST_VALUES:
            r = ck(**kw)
            assert r.raw == want, (kw, r)
            assert "X-modq-id" not in r.headers, (kw, r.headers)
        r = ck(honeypot_field_name="hp", hp="x", comment_author="Bot")
        assert r.headers["X-akismet-pro-tip"] == "discard", r.headers
        assert created(m) == 0
        r = ck(honeypot_field_name="hp", hp="", comment_author="Human",  # empty honeypot
               comment_content="Will the rationing rules also apply to farms in the valley or "
                               "only to households?")
        assert r.raw == b"false" and "X-modq-id" in r.headers, r
        assert created(m) == 1


IS_TEST = ((dict(is_test="1", comment_author="T1", comment_content="buyviagranow cheapest test"),
            b"true", "rejected"),
           (dict(is_test="true", comment_author="T2",
                 comment_content="How do I get a refund for the water meter fee, test?"),
            b"true", "pending"),
           (dict(is_test="1", comment_author="T3",
                 comment_content="Rainfall records show this is the third dry winter for the "
                                 "reservoirs."), b"false", None))


def test_is_test_check_is_analysed_but_not_written(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        ck = checker(m)
        for kw, want, status in IS_TEST:
            r = ck(**kw)
            assert r.raw == want, (kw, r)
            if status:
                assert r.headers["X-modq-status"] == status, r.headers
        assert created(m) == 0
        assert m.queue(SITE) == [] and m.queue(SITE, "rejected") == []


# ----------------------------------------------------------------- submissions

def test_submissions_answer_thanks_and_store_nothing(binary):
    """submit-spam / submit-ham: thanks, trained like a decision (see
    test_store_learning.py), nothing queued or stored."""
    with Env(binary, ENV) as env:
        m = with_article(env)
        ham_id = checker(m)().headers["X-modq-id"]
        for path in ("/1.1/submit-spam", "/1.1/submit-ham"):
            r = form_post(m, path, dict(base(comment_author="Unseen"), api_key=CLIENT_KEY,
                                        is_test="1"))
            assert r.raw == THANKS, r
        # the checked comment, then one never checked
        r = form_post(m, "/1.1/submit-spam", dict(base(), api_key=CLIENT_KEY))
        assert r.status == 200 and r.raw == THANKS, r
        r = form_post(m, "/1.1/submit-ham", dict(base(comment_author="Never Checked",
                                                      comment_content="A fair article."),
                                                 api_key=CLIENT_KEY))
        assert r.raw == THANKS, r
        assert created(m) == 1 and m.queue(SITE) == []
        # a submission is no moderator's decision: the comment keeps its verdict
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, ham_id)).json
        assert got["status"] == "approved" and got["decision"] is None, got


def test_usage_limit_counts_checks_with_a_valid_key(binary):
    with Env(binary, ENV) as env:
        m = with_article(env)
        ck = checker(m)
        answers = [ck(), ck(), ck(comment_author="Refund Seeker", comment_content=REFUND),
                   ck(**TEST_VALUES[0][0]), ck(**IS_TEST[0][0])]
        form_post(m, "/1.1/comment-check", dict(base(), api_key=BAD_KEY))
        form_post(m, "/1.1/submit-ham", dict(base(), api_key=CLIENT_KEY))
        assert [a.status for a in answers] == [200] * len(answers)
        # usage-limit (GET and POST), Akismet's unlimited shape
        r = m.request("GET", "/1.2/usage-limit?api_key=" + CLIENT_KEY, key=None)
        assert r.status == 200, r
        u = r.json
        assert u["limit"] == "none" and u["percentage"] == "0.00" and u["throttled"] is False, u
        assert u["usage"] == len(answers), u  # every comment-check with a valid key
        r = form_post(m, "/1.2/usage-limit", {"api_key": CLIENT_KEY})
        assert r.json["usage"] == u["usage"], r
        r = m.request("GET", "/1.2/usage-limit?api_key=" + BAD_KEY, key=None)
        assert r.raw == b"invalid", r


# ----------------------------------------------------------------- npm clients

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




def npm_ready():
    if os.path.isdir(os.path.join(NPM_DIR, "node_modules", "akismet-api")) and \
            os.path.isdir(os.path.join(NPM_DIR, "node_modules", "akismet")):
        return
    if not shutil.which("npm"):
        raise AssertionError("npm is missing: run `make bootstrap` (installs nodejs npm)")
    out = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NPM_DIR,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def run_npm_clients(env):
    """Both npm clients against env's modq (the article registered first);
    returns the script's results {"akismet-api": {...}, "akismet": {...}}."""
    npm_ready()
    names = [DOMAIN, "%s.%s" % (CLIENT_KEY, DOMAIN), "%s.%s" % (BAD_KEY, DOMAIN)]
    system_dns = ensure_hosts(names)
    m = with_article(env)
    cmd = ["node", os.path.join(NPM_DIR, "akismet_clients.mjs"), "--port", str(m.port),
           "--key", CLIENT_KEY, "--bad-key", BAD_KEY, "--domain", DOMAIN, "--blog", BLOG]
    if not system_dns:
        cmd.append("--hook-dns")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=40)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


# The authors of the comments the two clients have analysed and stored.
NPM_STORED = ["Cheap Pills", "Dana Reader", "Pill Shop 2", "Refund Seeker", "Second Seeker"]


def test_akismet_npm_clients(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        res = run_npm_clients(env)
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
        # what moderators see: the two held for review queued once each
        # (the retried one too), the spam in the rejected folder, all under
        # the blog's site on the permalink's article
        held = review_items(m, "pending")
        assert sorted(i["comment"]["author"]["name"] for i in held) == \
            ["Refund Seeker", "Second Seeker"], held
        rejected = review_items(m, "rejected")
        assert "Cheap Pills" in [i["comment"]["author"]["name"] for i in rejected], rejected
        assert all(i["site"] == SITE and i["article_id"] == "drought" for i in held + rejected)
        # six comments stored: two approved (one per client), the rest above
        assert created(m) == 6, created(m)
        text = m.request("GET", "/metrics", key=None).raw.decode()
        assert 'modq_comments_total{status="approved"} 2' in text, text


def review_items(m, status):
    r = m.request("GET", "/v1/review?site=%s&status=%s&limit=200" % (SITE, status), key=MOD_KEY)
    assert r.status == 200 and r.json["next_cursor"] is None, r
    return r.json["items"]
