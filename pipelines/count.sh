#!/bin/sh
# One book in ($books), "word count" lines out, named after the book.
tr -cs 'A-Za-z' '\n' < "$books" | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c \
  | awk '{print $2, $1}' > "$PFS_ROOT/out/$(basename "$books" .txt).counts"
