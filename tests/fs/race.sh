#!/bin/sh
# race: two vmlabfs started at once on one state directory.  One mounts;
# the other exits non-zero, says the directory is taken, and mounts
# nothing, however their starts interleave.
. "${srcdir:-.}/tests/fs/lib.sh"

A=$T/a
B=$T/b
mkdir "$A" "$B"
# Waits (bounded) until no server holds the state directory.
wait_servers() {
	j=0
	while ! flock -n "$T/state" true 2>/dev/null; do
		j=$((j + 1))
		[ "$j" -lt 200 ] || return 1
		sleep 0.05
	done
}
cleanup_race() {
	rc=$?
	fusermount3 -u "$A" 2>/dev/null || true
	fusermount3 -u "$B" 2>/dev/null || true
	wait_servers || true # before the directory is removed under them
	(exit "$rc")
	lab_cleanup
}
trap cleanup_race EXIT

i=0
while [ "$i" -lt "${RACE_ROUNDS:-40}" ]; do
	i=$((i + 1))
	"$VMLABFS" -o "state=$T/state" "$A" 2>"$T/a.err" &
	pa=$!
	"$VMLABFS" -o "state=$T/state" "$B" 2>"$T/b.err" &
	pb=$!
	ra=0; wait "$pa" || ra=$?
	rb=0; wait "$pb" || rb=$?
	ma=0; mountpoint -q "$A" && ma=1
	mb=0; mountpoint -q "$B" && mb=1
	for x in "a $ra $ma" "b $rb $mb"; do
		set -- $x
		if [ "$2" -eq 0 ] && [ "$3" -eq 0 ]; then
			fail "round $i: $1 exited 0 and is not mounted: $(cat "$T/$1.err")"
		fi
		if [ "$2" -ne 0 ] && [ "$3" -eq 1 ]; then
			fail "round $i: $1 failed ($2) and is mounted"
		fi
		if [ "$2" -ne 0 ]; then
			grep -q "state directory $T/state is taken" "$T/$1.err" ||
				fail "round $i: $1 failed with: $(cat "$T/$1.err")"
		fi
	done
	expect_eq "$((ma + mb))" 1 "round $i: mounted labs"
	fusermount3 -u "$A" 2>/dev/null || fusermount3 -u "$B"
	# the winner's server is gone once its state directory is free
	wait_servers || fail "round $i: the server did not end"
done
