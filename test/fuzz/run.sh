#!/usr/bin/env bash
# test/fuzz/run.sh — coverage-guided fuzzing of the core's input code
# (text input, binary receive, decimals and times) with libFuzzer, under
# AddressSanitizer and UndefinedBehaviorSanitizer.  TAP output, for prove.
#
#   test/fuzz/run.sh                 4 targets x 35 s (about 3 minutes in all)
#   test/fuzz/run.sh --long          4 targets x 600 s (40 minutes)
#   FUZZ_SECONDS=120 test/fuzz/run.sh [target...]   other budgets, some targets
#   FUZZ_WORK=/path                  where builds, the grown corpus and crash
#                                    artifacts go (default /tmp/flowstream-fuzz-$FS_PORT,
#                                    FS_PORT 54329 by default; kept between runs,
#                                    so corpora accumulate)
#
# Targets (test/fuzz/fuzz_*.c; what each checks is in its header comment):
#   text     flow_parse_state, the stream_in of flowstream.stream
#   binary   flow_decode_binary, the stream_recv, then transitions vs a model
#   decimal  flow_parse_decimal/_amount/_time and the formatting, vs references
#   replay   the operation model: flow_apply, the replay of a history, its audit
# Then each target's whole corpus (seeds and what the run grew) is replayed by
# a gcc build of the same harness under valgrind (test/fuzz/replay.c).
# Two TAP tests per target, planned first: the fuzzing and the replay (a
# build is not a test: when one fails, the test it was for is "not ok").
# A crash, sanitizer report, leak, timeout or failed check is "not ok"; the
# input that caused it is kept under $FUZZ_WORK/artifacts/ and named in the
# output: to keep it as a regression, copy it into test/fuzz/corpus/<target>/
# (every run starts from that corpus).
#
# Needs clang and its fuzzer runtime: Debian's clang-14 (or clang) and
# libclang-rt-14-dev; without clang every test is skipped, and without
# valgrind or gcc the replays are.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_PER_TARGET=${FUZZ_SECONDS:-35}
WORK=${FUZZ_WORK:-/tmp/flowstream-fuzz-${FS_PORT:-54329}}
TARGETS=()
for arg in "$@"; do
	case "$arg" in
		--long) SECONDS_PER_TARGET=${FUZZ_SECONDS:-600} ;;
		text|binary|decimal|replay) TARGETS+=("$arg") ;;
		*) echo "usage: $0 [--long] [text|binary|decimal|replay ...]" >&2; exit 2 ;;
	esac
done
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(text binary decimal replay)

declare -A MAXLEN=([text]=1024 [binary]=1024 [decimal]=256 [replay]=2048)
declare -A EXTRA=([text]="-dict=$HERE/text.dict" [binary]="" [decimal]="" [replay]="")

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then CC=$c; break; fi
	done
fi

echo "1..$((2 * ${#TARGETS[@]}))"
n=0
total=0
failed=0
mkdir -p "$WORK/bin" "$WORK/artifacts" "$WORK/logs"

for t in "${TARGETS[@]}"; do
	bin=$WORK/bin/fuzz_$t
	log=$WORK/logs/$t.log
	if [ -z "$CC" ]; then
		n=$((n + 1)); echo "ok $n - fuzz_$t # SKIP no clang (apt-get install clang-14 libclang-rt-14-dev)"
		n=$((n + 1)); echo "ok $n - fuzz_$t corpus under valgrind # SKIP no clang"
		continue
	fi
	n=$((n + 1))
	if ! "$CC" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Wall -Wextra -Wno-unused-function -Wno-unused-variable -I"$ROOT/src" \
		-o "$bin" "$HERE/fuzz_$t.c" "$ROOT/src/wide.c" "$ROOT/src/flow.c" "$ROOT/src/flowtext.c" "$ROOT/src/ops.c" "$ROOT/src/account.c" "$ROOT/src/accounttext.c" \
		>"$log.build" 2>&1; then
		echo "not ok $n - fuzz_$t: not run, the harness does not build with $CC -fsanitize=fuzzer,address,undefined"
		sed 's/^/# /' "$log.build" | head -n 30
		failed=$((failed + 1)); n=$((n + 1))
		echo "not ok $n - fuzz_$t corpus under valgrind: not run, not built"
		failed=$((failed + 1))
		continue
	fi
	echo "# built fuzz_$t with $CC -fsanitize=fuzzer,address,undefined"
	mkdir -p "$WORK/corpus/$t"
	start=$(date +%s)
	# the first directory receives new inputs; the committed seeds are only read
	# shellcheck disable=SC2086
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$SECONDS_PER_TARGET" -max_len="${MAXLEN[$t]}" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t-" \
		${EXTRA[$t]} "$WORK/corpus/$t" "$HERE/corpus/$t" >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -n 1)
	[ -z "$runs" ] && runs=$(grep -oE '^Done [0-9]+ runs' "$log" | awk '{print $2}' | tail -n 1)
	runs=${runs:-0}
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
	total=$((total + runs))
	if [ "$rc" -eq 0 ] && [ "$runs" -gt 0 ]; then
		echo "ok $n - fuzz_$t: $runs inputs in ${took}s, no crash or failed check ($cov)"
	else
		echo "not ok $n - fuzz_$t: exit $rc after $runs inputs in ${took}s"
		grep -E 'FUZZ CHECK FAILED|^  |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY|Test unit written' \
			"$log" | grep -vE '^ +#[0-9]+ ' | head -n 20 | sed 's/^/# /'
		echo "# full log: $log"
		failed=$((failed + 1))
	fi

	# the whole corpus again, built with gcc (no sanitizer) and run under valgrind:
	# uninitialised reads that the sanitizers do not see
	n=$((n + 1))
	if ! command -v valgrind >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
		echo "ok $n - fuzz_$t corpus under valgrind # SKIP no valgrind or gcc"
	elif ! gcc -O1 -g -std=gnu11 -Wno-unused-function -Wno-unused-variable -I"$ROOT/src" -o "$bin.replay" \
		"$HERE/replay.c" "$HERE/fuzz_$t.c" "$ROOT/src/wide.c" "$ROOT/src/flow.c" "$ROOT/src/flowtext.c" "$ROOT/src/ops.c" "$ROOT/src/account.c" "$ROOT/src/accounttext.c" \
		>"$log.replay" 2>&1; then
		echo "not ok $n - fuzz_$t corpus replay: gcc build failed"
		sed 's/^/# /' "$log.replay" | head -n 20
		failed=$((failed + 1))
	elif valgrind -q --error-exitcode=99 "$bin.replay" "$HERE/corpus/$t" "$WORK/corpus/$t" >"$log.replay" 2>&1; then
		echo "ok $n - fuzz_$t corpus under valgrind (gcc build): $(tail -n 1 "$log.replay"), no error"
	else
		echo "not ok $n - fuzz_$t corpus under valgrind (gcc build)"
		grep -vE '^==[0-9]+== +(at|by) ' "$log.replay" | head -n 20 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "# fuzz inputs executed: $total in all ($SECONDS_PER_TARGET s per target; work dir $WORK)"
[ "$failed" -eq 0 ]
