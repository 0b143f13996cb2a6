#!/usr/bin/env bash
# `npm start`: run the example pipelines (count -> top) with the freshly built dist/calf on
# ./.calf. Repo `books` is the folder pipelines/sample/books (pipelines/books.yaml): the run
# snapshots it first, so there is nothing to put.
set -euo pipefail
cd "$(dirname "$0")/.."
calf=./dist/calf
$calf run --once
echo
echo "== top words (calf get file top@master:/top20.txt) =="
$calf get file top@master:/top20.txt | head -n 8
echo
echo "Run 'npm start' again: nothing changed, so nothing runs (see 'dist/calf list job')."
echo "Edit a file in pipelines/sample/books/ and rerun: only that book is recounted."
echo "Look around: dist/calf list repo | list job | list file count@master:/ | logs -p count"
