#!/bin/sh
# gen_bgidf.sh - regenerate service/engine/bgidf_table.c (background stem document
# frequencies used by relevance.c for IDF before a site has its own counts).
#
# Corpus (Debian packages, install with `apt-get install dict-gcide fortunes
# fortunes-min`):
#   - dict-gcide: The Collaborative International Dictionary of English
#     v0.48 (Webster's 1913 + WordNet), GPL-2+ (GNU GCIDE); one document per
#     blank-line separated paragraph of /usr/share/dictd/gcide.dict.dz.
#   - fortunes, fortunes-min: fortune-mod cookie files, BSD-style licence
#     (see /usr/share/doc/fortunes/copyright); one document per cookie.
# Only aggregate counts of stems (how many documents contain each) are kept,
# no text. Output: the 20,000 most frequent stems, sorted for bsearch.
# Usage: sh tools/gen_bgidf.sh [language]   (from the repository root)
set -eu
lang=${1:-english}
gcide=/usr/share/dictd/gcide.dict.dz
fort=/usr/share/games/fortunes
[ -r "$gcide" ] && [ -d "$fort" ] || {
    echo "install dict-gcide fortunes fortunes-min first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Iservice/engine -o "$tmp/gen" tools/gen_bgidf.c \
    service/engine/normalize.c service/engine/tokenize.c -lutf8proc -lstemmer
{
    # GCIDE: paragraphs become documents
    zcat "$gcide" | awk 'NF == 0 { if (n) print "%%"; n = 0; next }
                         { print; n = 1 } END { print "%%" }'
    # fortunes: cookies are already separated by "%" lines
    for f in "$fort"/*; do
        case "$f" in *.dat|*.u8) continue ;; esac
        [ -f "$f" ] || continue
        sed 's/^%$/%%/' "$f"; echo "%%"
    done
} | "$tmp/gen" "$lang" > "$tmp/table.c"
mv "$tmp/table.c" service/engine/bgidf_table.c
echo "wrote service/engine/bgidf_table.c" >&2
