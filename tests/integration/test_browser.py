"""test_browser.py - the review page (GET /review/): its files and headers
over HTTP, review_dir path safety, and the page itself in a real Chromium
(tests/browser/review.spec.mjs, node + playwright-core) against the real
binary, a real redis-server and the real review API.

The browser test seeds an article and five pending comments (one copying the
article, one with links and a phone number, one duplicating an earlier
comment, one leased to another moderator, one that moderator leases while
the page is open), runs the spec, then checks through the API that the
decisions the spec made in the page landed under the key's name - and that
the undone, the prevented and the refused ones did not. Needs chromium, node and npm (tools/bootstrap.sh);
runs `npm ci` in tests/browser when node_modules is missing."""
import json
import os
import shutil
import subprocess
import tempfile

from harness import MOD_KEY, MOD_NAME, Env, mod_key, mod_keys_setting

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
WEB = os.path.join(ROOT, "web", "review")
BROWSER = os.path.join(ROOT, "tests", "browser")
OUT = os.path.join(ROOT, "build", "test-logs", "browser")
CHROMIUM = "/usr/bin/chromium"
NPM_CI_TIMEOUT = 300   # seconds: a cold npm cache downloads ~10 MB
SPEC_TIMEOUT = 180     # seconds: the spec bounds itself at 150

ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while some shop owners worry about "
                   "deliveries. The mayor said the lanes would make the street safer for "
                   "children walking to school and for older residents.",
           "url": "https://news.example/bike-lanes"}
COPY = ("The city council voted on Tuesday to build protected bicycle lanes along Main Street. "
        "Construction starts in spring and parking spaces will be reduced. Cyclists welcomed "
        "the decision.")
LINK_URLS = ["http://bit.ly/xx1", "https://cheap-pills.example/buy", "www.win-money.example"]
PHONE = "555-201-3344"  # the engine's evidence is its digits: the page finds it as written
LINKS = ("Great article!! Visit %s and %s for cheap pills <img src=x onerror=\"window.__xss=1\"> "
         "earn $500 a day %s or call %s" % (tuple(LINK_URLS) + (PHONE,)))
LATE = "Best deals of the week at http://promo-late.example/deal, see you there"
LATE_IP = "203.0.113.58"  # c-late replies to c-orig; moderators see this masked
LATE_UA = "SeedBrowser/2.0 (X11; Linux x86_64)"
ORIGINAL = ("I have lived on Main Street for twenty years and these bicycle lanes will finally "
            "make it safe for my grandchildren to ride to school in the morning.")
HELD = ("The mayor said the lanes would make the street safer for children walking to school "
        "and for older residents.")
MODERATOR = MOD_NAME  # the name of MOD_KEY: the page signs in as it
OTHER = "other-moderator"
# A key without a name (moderator_anonymous_keys on): the page asks for a name.
ANON_KEY = "browser-anonymous-key-0123456789"
ANON_NAME = "Desk Editor"
NOTE = "obvious link spam"

PAGE_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


def lower_headers(r):
    return {k.lower(): v for k, v in r.headers.items()}


def src(name):
    with open(os.path.join(WEB, name), "rb") as f:
        return f.read()


def check_page_headers(r, ctype):
    h = lower_headers(r)
    assert r.status == 200, r
    assert h.get("content-type") == ctype, h
    for k, v in PAGE_HEADERS.items():
        assert h.get(k) == v, (k, h)
    csp = h.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, csp


def test_review_redirects_to_review_slash(binary):
    with Env(binary) as env:
        r = env.modq.request("GET", "/review", key=None)
        assert r.status == 308 and lower_headers(r).get("location") == "/review/", r


def test_embedded_page_is_web_review_byte_for_byte(binary):
    """The embedded copy is byte-identical to web/review/, with the page
    headers (CSP among them)."""
    with Env(binary) as env:
        m = env.modq
        r = m.request("GET", "/review/", key=None)
        check_page_headers(r, "text/html; charset=utf-8")
        assert r.raw == src("index.html")
        r = m.request("GET", "/review/review.js", key=None)
        check_page_headers(r, "text/javascript; charset=utf-8")
        assert r.raw == src("review.js")
        r = m.request("GET", "/review/review.css", key=None)
        check_page_headers(r, "text/css; charset=utf-8")
        assert r.raw == src("review.css")
        # no inline script or style in the page: the CSP would block them
        html = src("index.html").decode()
        assert "<script>" not in html and "style=" not in html and " on" + "click=" not in html


def test_only_known_page_files_are_served(binary):
    with Env(binary) as env:
        m = env.modq
        for bad in ("/review/missing.js", "/review/.hidden.js", "/review/notes.txt",
                    "/review/sub/review.js", "/review/../review/review.js",
                    "/review/%2e%2e/review/review.js", "/review/..%2fconfig%2fmodq.conf"):
            r = m.request("GET", bad, key=None)
            assert r.status == 404, (bad, r)
        assert m.request("POST", "/review/", key=None, body={}).status == 405


def test_review_dir_replaces_the_embedded_copy_safely(binary):
    """review_dir: its files instead of the copy, no fallback to it, and
    no file that is not a small regular one with a known name."""
    tmp = tempfile.mkdtemp(prefix="modq-review-dir-")
    try:
        with open(os.path.join(tmp, "index.html"), "w") as f:
            f.write("<!doctype html><title>custom</title><p>custom page</p>")
        with open(os.path.join(tmp, "logo.svg"), "w") as f:
            f.write("<svg xmlns='http://www.w3.org/2000/svg'/>")
        with open(os.path.join(tmp, "notes.txt"), "w") as f:
            f.write("not served")
        with open(os.path.join(tmp, "big.js"), "w") as f:
            f.write("x" * (1024 * 1024 + 1))
        os.symlink("/etc/hostname", os.path.join(tmp, "link.js"))
        os.mkdir(os.path.join(tmp, "dir.css"))
        with Env(binary, {"MODQ_REVIEW_DIR": tmp}) as env:
            m = env.modq
            r = m.request("GET", "/review/", key=None)
            check_page_headers(r, "text/html; charset=utf-8")
            assert b"custom page" in r.raw, r
            r = m.request("GET", "/review/logo.svg", key=None)
            check_page_headers(r, "image/svg+xml")
            # not in the directory: no fallback to the built-in copy
            assert m.request("GET", "/review/review.js", key=None).status == 404
            for bad in ("notes.txt", "big.js", "link.js", "dir.css", "..%2findex.html"):
                r = m.request("GET", "/review/" + bad, key=None)
                assert r.status == 404, (bad, r)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tool(cmd, why):
    path = shutil.which(cmd) if not os.path.isabs(cmd) else (cmd if os.path.exists(cmd) else None)
    assert path, "%s not found (%s): run tools/bootstrap.sh as root" % (cmd, why)
    return path


def ensure_node_modules():
    if os.path.isdir(os.path.join(BROWSER, "node_modules", "playwright-core")):
        return
    npm = tool("npm", "installs playwright-core")
    out = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER,
                         capture_output=True, text=True, timeout=NPM_CI_TIMEOUT)
    assert out.returncode == 0, "npm ci failed:\n" + out.stdout[-2000:] + out.stderr[-3000:]


def post_comment(m, cid, name, text, parent=None, **author):
    body = {"id": cid, "article_id": "a1", "text": text, "author": dict(name=name, **author)}
    if parent:
        body["parent_id"] = parent
    r = m.request("POST", "/v1/sites/news/comments", body)
    assert r.status == 201, r
    return r.json


def test_review_page_in_browser(binary):
    tool(CHROMIUM, "the browser")
    node = tool("node", "runs the spec")
    ensure_node_modules()
    os.makedirs(OUT, exist_ok=True)
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0", "MODQ_MODERATOR_ANONYMOUS_KEYS": "true",
                      "MODQ_MODERATOR_KEYS": mod_keys_setting() + "," + ANON_KEY}) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/news/articles/a1", ARTICLE).status == 201
        copy = post_comment(m, "c-copy", "Copycat", COPY)
        links = post_comment(m, "c-links", "promo", LINKS)
        orig = post_comment(m, "c-orig", "Walter", ORIGINAL)
        dup = post_comment(m, "c-dup", "Other Walter", ORIGINAL)
        held = post_comment(m, "c-held", "Quoter", HELD)
        late = post_comment(m, "c-late", "Dealer", LATE, parent="c-orig", ip=LATE_IP,
                            user_agent=LATE_UA)
        assert orig["status"] == "approved", orig
        for c, code in ((copy, "copied_from_article"), (links, "link_spam"),
                        (links, "contact_info"), (dup, "duplicate"),
                        (held, "copied_from_article"), (late, "link_spam")):
            assert c["status"] == "pending", c
            assert code in {f["code"] for f in c["flags"]}, c
        run = [f for f in copy["flags"] if f["code"] == "copied_from_article"][0]["evidence"]
        # another moderator holds c-held: the page must not let it be decided
        r = m.request("POST", "/v1/review/claim", {"site": "news",
                                                   "flag": "copied_from_article",
                                                   "limit": 2, "lease_seconds": 600},
                      key=mod_key(OTHER))
        assert r.status == 200, r
        r = m.request("POST", "/v1/review/release",
                      {"site": "news", "ids": ["c-copy"]}, key=mod_key(OTHER))
        assert r.status == 200 and r.json["released"] == ["c-copy"], r

        seed = {"moderator": MODERATOR, "article_url": ARTICLE["url"],
                "copy": {"id": "c-copy", "run": run},
                "links": {"id": "c-links", "urls": LINK_URLS, "note": NOTE, "phone": PHONE},
                "dup": {"id": "c-dup", "original": ORIGINAL, "original_id": "c-orig"},
                "held": {"id": "c-held", "by": OTHER, "author": "Quoter"},
                "late": {"id": "c-late", "by": OTHER, "key": mod_key(OTHER),
                         "parent_text": ORIGINAL, "parent_author": "Walter",
                         "search": "WEEK deals", "ip": LATE_IP, "ip_masked": "203.0.113.x",
                         "user_agent": LATE_UA},
                "anonymous": {"key": ANON_KEY, "name": ANON_NAME}}
        envp = dict(os.environ, MODQ_BASE="http://127.0.0.1:%d" % m.port, MODQ_MOD_KEY=MOD_KEY,
                    MODQ_SEED=json.dumps(seed), OUT_DIR=OUT)
        out = subprocess.run([node, "review.spec.mjs"], cwd=BROWSER, env=envp,
                             capture_output=True, text=True, timeout=SPEC_TIMEOUT)
        with open(os.path.join(OUT, "spec.out"), "w") as f:
            f.write(out.stdout + out.stderr)
        assert out.returncode == 0, "browser spec failed:\n" + out.stdout[-4000:] + \
            out.stderr[-3000:]

        # through the API: what the page decided landed, nothing else did
        def get(cid):
            r = m.request("GET", "/v1/sites/news/comments/" + cid)
            assert r.status == 200, r
            return r.json

        d = get("c-dup")
        assert d["status"] == "approved" and d["decision"]["by"] == MODERATOR, d
        d = get("c-links")
        assert d["status"] == "rejected" and d["decision"]["by"] == MODERATOR, d
        assert d["decision"]["note"] == NOTE, d
        d = get("c-copy")  # undone, rejected with the bulk endpoint, rescued from the folder
        assert d["status"] == "approved" and d["decision"]["by"] == MODERATOR, d
        for cid in ("c-held", "c-late"):  # prevented; refused (409): another's lease
            d = get(cid)
            assert d["status"] == "pending" and d["decision"] is None, d
        # exactly four decisions were made: the undo and the 409 left none
        r = m.request("GET", "/v1/audit?site=news", key=MOD_KEY)
        assert r.status == 200, r
        got = [(e["comment_id"], e["decision"], e["moderator"]) for e in r.json["entries"]]
        assert sorted(got[:3]) == [("c-copy", "reject", MODERATOR), ("c-dup", "approve", MODERATOR),
                                   ("c-links", "reject", MODERATOR)], got
        assert got[3:] == [("c-copy", "approve", MODERATOR)], got
        assert r.json["entries"][3]["override"] is True, r.json["entries"][3]
        r = m.request("GET", "/v1/review/stats?site=news", key=MOD_KEY)
        assert r.status == 200 and r.json["total"]["pending"] == 2, r
        assert r.json["total"]["decisions_last_hour"] == 4, r
