#!/usr/bin/env bash
# `npm start`: load each pipelines/sample/<repo>/ folder into repo <repo> and run the example
# pipelines (count -> top) with the freshly built dist/calf on ./.calf.
set -euo pipefail
cd "$(dirname "$0")/.."
calf=./dist/calf
for dir in pipelines/sample/*/; do
  repo=$(basename "$dir")
  $calf list repo -o json | grep -q "\"name\": \"$repo\"" || $calf create repo "$repo" --description "sample data"
  $calf put file "$repo@master:/" -f "$dir" -r --overwrite --message "sample data"
done
$calf run --once
echo
echo "== top words (calf get file top@master:/top20.txt) =="
$calf get file top@master:/top20.txt | head -n 8
echo
echo "Run 'npm start' again: unchanged books are skipped (see 'dist/calf list job')."
echo "Edit a file in pipelines/sample/books/ and rerun: only that book is recounted."
echo "Look around: dist/calf list repo | list job | list file count@master:/ | logs -p count"
