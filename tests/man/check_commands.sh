#!/bin/sh
# check_commands.sh BINARY PAGE: every subcommand that `BINARY --help` lists has its own
# `.SS NAME` heading in PAGE, and every option of the program and of each subcommand (as its
# `--help` lists them) appears in PAGE, written as troff writes a minus: `\-\-name`.
set -eu
binary=$1
page=$2
status=0

# "  --config TEXT=..." or "  -h,--help ...": the long option names of one --help text.
options() {
  sed -n 's/^  \(-[a-zA-Z],\)\{0,1\}--\([a-z][a-z0-9-]*\).*/\2/p'
}

# The lines after "Subcommands:", up to the next blank line: "  name   description".
commands=$("$binary" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
if [ -z "$commands" ]; then
  echo "no subcommands found in '$binary --help'" >&2
  exit 1
fi

check_option() {  # check_option OPTION WHERE
  pattern=$(printf '%s' "--$1" | sed 's/-/\\\\-/g')
  if ! grep -q -- "$pattern" "$page"; then
    echo "$page: option --$1 of $2 is not documented" >&2
    status=1
  fi
}

for option in $("$binary" --help | options); do
  check_option "$option" koodrive-audit
done
for command in $commands; do
  if ! grep -qx "\.SS $command" "$page"; then
    echo "$page: subcommand '$command' has no '.SS $command' section" >&2
    status=1
  fi
  for option in $("$binary" "$command" --help | options); do
    check_option "$option" "$command"
  done
done
[ $status -eq 0 ] && echo "$(echo $commands | wc -w) subcommands and their options documented in $page"
exit $status
