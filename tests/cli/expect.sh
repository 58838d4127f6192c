#!/usr/bin/env bash
# expect.sh CODE TEXT COMMAND...: runs COMMAND, fails unless it exits with CODE and its output contains TEXT.
# For non-zero codes the error must also be the single `synthview: error:` line on stderr.
set -u
want_code=$1 want_text=$2
shift 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
code=$?
fail() { echo "FAIL: $*"; echo "--- command: $*"; echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"; exit 1; }
[ "$code" -eq "$want_code" ] || fail "exit code $code, expected $want_code"
grep -qF -- "$want_text" "$out" "$err" || fail "output lacks: $want_text"
if [ "$want_code" -ne 0 ]; then
  [ "$(wc -l <"$err")" -eq 1 ] || fail "stderr should be exactly one line"
  grep -q '^synthview: error: ' "$err" || fail "stderr should start with 'synthview: error: '"
fi
echo "ok: exit $code, found: $want_text"
