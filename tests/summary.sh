#!/usr/bin/env bash
# Sum the stages' result files and print, as the last line, "N passed, N failed".
# Usage: tests/summary.sh RESULTS_DIR STAGE...   (each stage wrote RESULTS_DIR/STAGE.txt holding "PASSED FAILED")
# Exits non-zero if anything failed or a stage left no (or an unreadable) results file.
set -uo pipefail

dir=$1
shift
passed=0 failed=0 status=0
for stage in "$@"; do
	f="$dir/$stage.txt"
	if [ -r "$f" ] && read -r p n rest <"$f" && [[ $p =~ ^[0-9]+$ && $n =~ ^[0-9]+$ ]]; then
		echo "summary: $stage: $p passed, $n failed"
		passed=$((passed + p))
		failed=$((failed + n))
		[ "$n" -eq 0 ] || status=1
	else
		echo "summary: $stage: no results ($f missing or unreadable): counted as one failure"
		failed=$((failed + 1))
		status=1
	fi
done
echo "$passed passed, $failed failed"
exit $status
