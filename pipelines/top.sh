#!/bin/sh
# Sum the per-book counts and keep the twenty most frequent words.
cat "$count"/*.counts | awk '{n[$1] += $2} END {for (w in n) print n[w], w}' \
  | sort -k1,1nr -k2,2 | head -n 20 > "$PFS_ROOT/out/top20.txt"
