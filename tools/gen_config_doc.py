"""gen_config_doc.py - regenerate docs/config.md from config/modq.conf.

config/modq.conf is the one place where keys are described; run
`python3 tools/gen_config_doc.py` after changing it.
"""
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HEAD = """# Configuration reference

modq reads defaults, then the file given with `-c FILE`, then environment
variables `MODQ_<KEY>` (upper case). A bad value makes it exit non-zero with a
message naming the key. `build/modq --print-config` prints the effective
values (secrets hidden). `config/modq.conf` is the same list as a
ready-to-edit file; this page is generated from it by
`tools/gen_config_doc.py`.

| Key | Environment | Default | Meaning |
| --- | --- | --- | --- |
"""


def main():
    rows, comment, last = [], [], ""
    for line in open(os.path.join(ROOT, "config", "modq.conf")).read().splitlines()[5:]:
        if line.startswith("#"):
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
    with open(os.path.join(ROOT, "docs", "config.md"), "w") as f:
        f.write(HEAD + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
