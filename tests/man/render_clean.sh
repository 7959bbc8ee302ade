#!/bin/sh
# render_clean.sh PAGE: man(1) formats PAGE, with every groff warning on, without a word on
# stderr (an unknown macro, a bad escape, a line it cannot break all warn there).
set -u
page=$1
if ! command -v man >/dev/null; then
  echo "man (man-db) is not installed; scripts/setup installs it" >&2
  exit 1
fi
if ! errors=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$page" 2>&1 >/dev/null); then
  printf '%s\n' "$errors" >&2
  echo "$page: man failed" >&2
  exit 1
fi
if [ -n "$errors" ]; then
  printf '%s\n' "$errors" >&2
  echo "$page: warnings" >&2
  exit 1
fi
echo "$page renders without warnings"
