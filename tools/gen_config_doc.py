"""gen_config_doc.py - regenerate docs/config.md from config/modq.conf and
the detector registry.

config/modq.conf is the one place where keys are described; run
`python3 tools/gen_config_doc.py` after changing it, or after adding or
changing a detector. A key line "key default" becomes a row described by the
comment block above it; a comment line "#@ key ENV default" documents a
family of keys that the file cannot hold as one line (weight_<code>).

The Detectors section is generated from the registration table
(ENGINE_DETECTORS in include/engine.h, in scoring order) and each
detector's row in service/engine/det_<code>.c.
"""
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HEAD = """# Configuration reference

modq reads defaults, then the file given with `-c FILE`, then environment
variables `MODQ_<KEY>` (upper case). A bad value makes it exit non-zero with a
message naming the key. `build/modq --print-config` prints the effective
values (secrets hidden). `config/modq.conf` is the same list as a
ready-to-edit file; this page is generated from it and from the detector
registry by `tools/gen_config_doc.py`.

| Key | Environment | Default | Meaning |
| --- | --- | --- | --- |
"""
SITE_HEAD = """
## What a site may override

A site may override some of these keys for its own comments with
`PUT /v1/sites/{site}/settings` ([api.md](api.md#site-settings)); the rest
hold for every site. An override is stored in Redis (`modq:{S}:settings`,
with a version in `modq:{S}:setver`) and used by the next comment of that
site on every instance; `null` in a PUT brings back the value below.

| Key | Site setting |
| --- | --- |
| `threshold_pending`, `threshold_reject` | `thresholds.pending`, `thresholds.rejected` |
| `banned_words`, `suspect_words` | `banned_words`, `suspect_words` (the site's list replaces this one) |
| `domain_allow`, `domain_block` | `domain_allow`, `domain_block` (replaces) |
| `flood_max`, `flood_window` | `flood.max`, `flood.window` |
| `weight_<code>` | `detectors.<code>.weight` |
| `detectors_disabled` | `detectors.<code>.enabled` |
| (none: on) | `learning`: the site's classifier votes and learns from decisions |
| (none: off) | `abuse_severe_rejects`: severe threats and slurs may be `rejected` |
| `coral_secret` | `coral_secret`: the site's own Coral signing secret (write-only; the file's is then refused for the site) |

A site's thresholds must keep `pending <= rejected` with the values of this
file for what it does not override. Stored settings that no longer fit
(this file's threshold changed under them) leave the site scored with this
file's values, and a detector code the registry no longer has is left out;
the log says which.
"""

RELOAD_HEAD = """
## Reloading without a restart

`kill -HUP <pid>` makes modq read the file given with `-c` again (and the
environment, which a running process cannot change) and apply the keys
below at once; open connections stay open, a request in progress finishes
with the configuration it started with (a comment keeps the verdict
settings it started with to its answer), and every request after the
reload uses the new one. The log's `config reloaded` line names the keys
that changed (never a value); a key that changed but needs a restart is
named in a warning and keeps its running value. A file that does not load
(an unknown key, a bad value, thresholds out of order, a weight or
disabled code no detector has, a malformed key entry) is logged as
`config reload failed` and changes nothing.

Applied on reload: {keys}. Every other key needs a restart. A key set
through its `MODQ_<KEY>` variable keeps that value (the environment wins
over the file): to rotate keys with SIGHUP, keep them in the file.

The verdict settings among them (thresholds, word and domain lists, flood
limits, detector weights and `detectors_disabled`) are the file's layer
under the sites' own settings: after a reload the next comment of every
site uses the file's new values wherever the site has no override of its
own, and a site's override still wins. The word lists are compiled anew
from the file, `GET /v1/sites/{site}/settings` shows the new values with
source `file`, and `GET /v1/detectors` the new weights. Site settings
([api.md](api.md#site-settings)) change thresholds, word and domain lists,
flood limits and detectors per site at run time.
"""

DETECTORS_HEAD = """
## Detectors

Every detector the engine runs, in the order it runs them (the registration
table `ENGINE_DETECTORS` in `include/engine.h`; each row is declared in
`service/engine/det_<code>.c`). The code is the flag a detector raises and
the `<code>` of its keys: `weight_<code>` (`MODQ_WEIGHT_<CODE>`) sets its
weight, `detectors_disabled` switches it off. `GET /v1/detectors` returns
the same table with a running instance's weights and on/off state.

Kinds: **spam** is evidence of spam, **review** a reason for a human look
without proof of spam (both are primary evidence, combined by noisy-OR);
**style** only adds to primary evidence and never moves a score alone.
*Needs*: context without which the detector does not run; *uses*: context
it reads when present (article, thread, site_df = the site's document
frequencies, duplicates = duplicate candidates, flood = flood control on,
learned = the site classifier's vote, history = the author's reputation).
Evidence: what the flag's evidence string holds (span = a quote of the
comment, links = one of its links, words = some of its words, comment =
another comment's id, value = a figure or label, none).

| Code | Kind | Needs | Uses | Evidence | Default weight | What it flags |
| --- | --- | --- | --- | --- | --- | --- |
"""
NEED = {"ARTICLE": "article", "THREAD": "thread", "SITE_DF": "site_df",
        "DUPLICATES": "duplicates", "FLOOD": "flood", "LEARNED": "learned",
        "HISTORY": "history"}


def key_rows():
    rows, comment, last = [], [], ""
    for line in open(os.path.join(ROOT, "config", "modq.conf")).read().splitlines()[5:]:
        if line.startswith("#@"):
            key, env, default = line[2:].strip().split(" ", 2)
            rows.append("| `%s` | `%s` | %s | %s |" % (
                key, env, default, " ".join(comment).replace("|", "\\|")))
            comment = []
        elif line.startswith("#"):
            text = line.lstrip("#").strip()
            if text.startswith("---"):
                comment = []
                continue
            comment.append(text)
        elif line.strip():
            key, _, default = line.partition(" ")
            meaning = " ".join(comment) if comment else last
            rows.append("| `%s` | `MODQ_%s` | %s | %s |" % (
                key, key.upper(), ("`%s`" % default.strip()) if default.strip() else "(empty)",
                meaning.replace("|", "\\|")))
            last = "See above." if comment else last
            comment = []
        else:
            comment = []
    return rows


def c_field(src, name):
    """The initializer of .name in a detector row, or None."""
    m = re.search(r"\.%s\s*=\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+|[^,}]+)" % name, src)
    return m.group(1).strip() if m else None


def c_string(expr):
    parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", expr)
    return "".join(parts).encode().decode("unicode_escape")


def needs(expr):
    if not expr:
        return "-"
    bits = re.findall(r"ENGINE_NEED_([A-Z_]+)", expr)
    return ", ".join(NEED[b] for b in bits) or "-"


def detector_rows():
    header = open(os.path.join(ROOT, "include", "engine.h")).read()
    table = re.search(r"#define ENGINE_DETECTORS\(X\)(.*?)\n\n", header, re.S).group(1)
    rows = []
    for code in re.findall(r"X\((\w+)\)", table):
        src = open(os.path.join(ROOT, "service", "engine", "det_%s.c" % code)).read()
        kind = c_field(src, "kind").replace("ENGINE_KIND_", "").lower()
        evidence = c_field(src, "evidence").replace("ENGINE_EVIDENCE_", "").lower()
        summary = c_string(c_field(src, "summary"))
        if c_field(src, "overrides_trust") == "1":
            summary += "; its score is a floor of the combined score (no trusted-author discount)"
        rows.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
            code, kind, needs(c_field(src, "needs")), needs(c_field(src, "uses")), evidence,
            c_field(src, "weight"), summary.replace("|", "\\|")))
    return rows


def reloadable_keys():
    """The reloadable[] list of service/core/config.c, in its order
    (CONFIG_WEIGHT_PREFIX "<code>" is weight_<code>)."""
    with open(os.path.join(ROOT, "service/core/config.c")) as f:
        src = f.read()
    m = re.search(r"reloadable\[\] = \{(.*?)\};", src, re.S)
    return [("weight_" if prefix else "") + name for prefix, name in
            re.findall(r'(CONFIG_WEIGHT_PREFIX\s*)?"([a-z_<>]+)"', m.group(1))]


def main():
    with open(os.path.join(ROOT, "docs", "config.md"), "w") as f:
        f.write(HEAD + "\n".join(key_rows()) + "\n" + SITE_HEAD +
                RELOAD_HEAD.replace("{keys}", ", ".join("`%s`" % k for k in reloadable_keys())) +
                DETECTORS_HEAD + "\n".join(detector_rows()) + "\n")


if __name__ == "__main__":
    main()
