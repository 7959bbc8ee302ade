#!/bin/sh
# check_unit.sh verify|security UNIT BINARY: checks the systemd unit offline, without a running
# systemd. The unit is copied to a temporary directory with ExecStart= pointing at BINARY (the
# built koodrive-audit), since verify requires the command to exist.
#   verify    `systemd-analyze verify` exits 0 and prints nothing.
#   security  `systemd-analyze security --offline=true` rates the overall exposure at most
#             $KDA_MAX_EXPOSURE (default 1.5; 0 = locked down, 10 = fully exposed).
# Exit 0 pass, 1 fail, 77 skipped (no systemd-analyze: install Debian's systemd, scripts/setup).
set -eu

mode=$1 unit=$2 binary=$3
max_exposure=${KDA_MAX_EXPOSURE:-1.5}
case $binary in /*) ;; *) binary=$PWD/$binary ;; esac  # ExecStart= wants an absolute path

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze not found (Debian package systemd; scripts/setup installs it)"
  exit 77
fi
[ -x "$binary" ] || { echo "FAIL: $binary is not an executable; build koodrive-audit first"; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
copy=$dir/$(basename "$unit")
sed "s|^ExecStart=/usr/bin/koodrive-audit |ExecStart=$binary |" "$unit" >"$copy"
grep -q "^ExecStart=$binary " "$copy" || {
  echo "FAIL: $unit has no 'ExecStart=/usr/bin/koodrive-audit …' line to point at the build"
  exit 1
}

case $mode in
  verify)
    # --man=no: whether a man: page in Documentation= is installed is a property of the
    # machine, not of the unit. --generators=no, --recursive-errors=no: only this unit is
    # judged, not the generators or the units it names (network-online.target, …).
    status=0
    output=$(systemd-analyze verify --man=no --generators=no --recursive-errors=no "$copy" 2>&1) ||
      status=$?
    if [ "$status" -ne 0 ] || [ -n "$output" ]; then
      echo "FAIL: systemd-analyze verify $unit (exit $status):"
      echo "$output"
      exit 1
    fi
    echo "PASS: systemd-analyze verify $unit: no complaints"
    ;;
  security)
    status=0
    output=$(systemd-analyze security --offline=true --no-pager "$copy" 2>&1) || status=$?
    exposure=$(printf '%s\n' "$output" |
      sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p')
    if [ "$status" -ne 0 ] || [ -z "$exposure" ]; then
      echo "FAIL: systemd-analyze security --offline=true $unit (exit $status), no exposure level:"
      echo "$output"
      exit 1
    fi
    if awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
      echo "FAIL: exposure $exposure > $max_exposure for $unit; what costs exposure:"
      printf '%s\n' "$output" | grep '✗' | sed 's/^/  /'
      exit 1
    fi
    echo "PASS: exposure $exposure <= $max_exposure for $unit"
    ;;
  *)
    echo "usage: check_unit.sh verify|security UNIT BINARY" >&2
    exit 2
    ;;
esac
