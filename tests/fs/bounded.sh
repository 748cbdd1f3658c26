#!/bin/sh
# A long ctl command does not hold the machine: other files answer while
# it runs, and a signal to the writer stops it between two steps (the
# write fails with EINTR, or the writer dies of it), the work done kept
# and logged, the lab consistent afterwards.
#
# The long command is a populate of 1T read-only: its pages are clean
# zero pages, so on a 64M machine without swap only the page tables
# fill memory, and the OOM killer ends it after about 8 million faults
# (16 K tables of 512 pages).  The test never waits for that: it reads
# while the command runs and stops it with a signal; no step depends on
# how long anything takes.
. "${srcdir:-.}/tests/fs/lib.sh"
command -v perl >/dev/null || fail "perl is not installed"
lab_mount -o mem=64M -o swap=0

BASE=0x10000000
pid=$(lab_spawn big)
other=$(lab_spawn other)
echo "mmap 0x20000000 64K rw-" >"$MNT/$other/ctl" || fail "other"
echo "touch 0x20000000 64K w" >"$MNT/$other/ctl" || fail "other's stores"
f0=$(vmstat pgfault)

# Polls vmstat until pgfault passes $1 while the writer $2 runs; each
# read of vmstat answering while the command runs is the point.
wait_faults() {
	i=0
	while :; do
		n=$(vmstat pgfault)
		[ "$n" -gt "$1" ] && break
		kill -0 "$2" 2>/dev/null || fail "the command ended before vmstat showed its faults"
		i=$((i + 1))
		[ "$i" -lt 3000 ] || fail "no fault of the command in vmstat"
		sleep 0.01
	done
}

# The last log line of an interrupted command, by its line number and
# text (each echo opens ctl anew: its line is line 1): prints
# "DONE TOTAL END".
interrupted() {
	grep -F "pid $pid ctl: line $1 '$2': interrupted: " "$MNT/log" |
		tail -n 1 |
		sed -n 's/.*interrupted: \([0-9]*\) of \([0-9]*\) pages done (0x[0-9a-f]*-\(0x[0-9a-f]*\))$/\1 \2 \3/p'
}

# 1. populate in the background; reads answer while it runs
(echo "mmap $BASE 1T r-- populate" >"$MNT/$pid/ctl") 2>/dev/null &
w=$!
wait_faults "$f0" "$w"
grep -q '^pgfault ' "$MNT/vmstat" || fail "vmstat"
st=$(awk '$1 == "State:" { print $2 }' "$MNT/$pid/status")
expect_eq "$st" R "state of the populating process, read meanwhile"
grep -q '^20000000-20010000 rw-p ' "$MNT/$other/maps" || fail "other's maps"
rss=$(awk '$1 == "VmRSS:" { print $2 }' "$MNT/$other/status")
expect_eq "$rss" 64 "other's VmRSS, read meanwhile"
# every read above returned while the writer was still in its write
kill -0 "$w" 2>/dev/null || fail "the populate ended by itself: it cannot be stopped"

# 2. kill the writer: the command stops between two steps
kill "$w"
wait "$w" && fail "the killed writer exited 0"
set -- $(interrupted 1 "mmap $BASE 1T r-- populate")
[ $# -eq 3 ] || fail "no 'interrupted' log line for the populate"
done=$1
expect_eq "$2" 268435456 "pages of the populate"
[ "$done" -gt 0 ] && [ "$done" -lt "$2" ] || fail "pages done: $done"
expect_eq "$3" "$(printf '0x%x' $((BASE + done * 4096)))" "end of the work done"
# the lab afterwards: the process lives with its mapping, and each page
# done was one fault
st=$(awk '$1 == "State:" { print $2 }' "$MNT/$pid/status")
expect_eq "$st" R "state after the interrupt"
grep -q '^10000000-10010000000 r--p ' "$MNT/$pid/maps" || fail "the mapping stays"
f1=$(vmstat pgfault)
expect_eq "$((f1 - f0))" "$done" "faults of the interrupted populate"
# the page after the last one done was never faulted in
dd if="$MNT/$pid/pagemap" bs=8 skip=$((BASE / 4096 + done)) count=1 \
	2>/dev/null | od -An -tx8 | tr -d ' \n' >"$T/pm"
expect_eq "$(cat "$T/pm")" 0000000000000000 "pagemap past the work done"
oom=$(vmstat oom_kill)
expect_eq "$oom" 0 "oom_kill"

# 3. a signal the writer survives: its write fails with EINTR
cat >"$T/w.pl" <<'EOF'
use Errno;
$SIG{USR1} = sub {};
open(my $f, ">", $ARGV[0]) or die "open: $!";
my $r = syswrite($f, $ARGV[1] . "\n");
print defined($r) ? "wrote $r\n" : $!{EINTR} ? "EINTR\n" : "errno " . ($! + 0) . "\n";
EOF
f1=$(vmstat pgfault)
perl "$T/w.pl" "$MNT/$pid/ctl" "madvise $BASE 1T willneed" >"$T/w.out" &
w=$!
wait_faults "$f1" "$w"
kill -USR1 "$w"
wait "$w" || fail "perl: $(cat "$T/w.out")"
expect_eq "$(cat "$T/w.out")" EINTR "what the interrupted write returned"
set -- $(interrupted 1 "madvise $BASE 1T willneed")
[ $# -eq 3 ] || fail "no 'interrupted' log line for madvise"

# the same for a trace: long records, stopped between two of them
f1=$(vmstat pgfault)
awk 'BEGIN { for (i = 0; i < 4096; i++) print "r 0x10000000 1G" }' >"$T/trace"
perl "$T/w.pl" "$MNT/$pid/trace" "$(cat "$T/trace")" >"$T/w.out" &
w=$!
wait_faults "$f1" "$w"
kill -USR1 "$w"
wait "$w" || fail "perl: $(cat "$T/w.out")"
expect_eq "$(cat "$T/w.out")" EINTR "what the interrupted trace write returned"
grep -q "pid $pid trace: line [0-9]*: interrupted; replay stopped" "$MNT/log" ||
	fail "no 'interrupted' log line for the trace"

# 4. touch over the range, killed with SIGKILL
f1=$(vmstat pgfault)
(echo "touch $BASE 1T r" >"$MNT/$pid/ctl") 2>/dev/null &
w=$!
wait_faults "$f1" "$w"
kill -KILL "$w"
wait "$w" && fail "the killed writer exited 0"
set -- $(interrupted 1 "touch $BASE 1T r")
[ $# -eq 3 ] || fail "no 'interrupted' log line for touch"
st=$(awk '$1 == "State:" { print $2 }' "$MNT/$pid/status")
expect_eq "$st" R "state after the interrupted touch"

# 5. the session goes on: a next write to the same process works
echo "munmap $BASE 1T" >"$MNT/$pid/ctl" || fail "munmap after the interrupts"
grep -q '^10000000-' "$MNT/$pid/maps" && fail "munmap left the mapping"
pte=$(awk '$1 == "VmPTE:" { print $2 }' "$MNT/$pid/status")
[ "$pte" -le 16 ] || fail "VmPTE after munmap: $pte kB"

# 6. written pages with no swap: the OOM killer ends the command soon,
# through the same steps, and takes the process
echo "mmap $BASE 1T rw-" >"$MNT/$pid/ctl" || fail "mmap rw-"
echo "touch $BASE 1T w" >"$MNT/$pid/ctl" 2>/dev/null &&
	fail "a touch of 1T on a 64M machine succeeded"
grep -qF "pid $pid ctl: line 1 'touch $BASE 1T w': touch: Cannot allocate memory" \
	"$MNT/log" || fail "no ENOMEM line for the touch"
st=$(awk '$1 == "State:" { print $2 }' "$MNT/$pid/status")
expect_eq "$st" Z "state after the OOM kill"
grep -q "Out of memory: Killed process $pid (big)" "$MNT/log" || fail "no OOM line"
st=$(awk '$1 == "State:" { print $2 }' "$MNT/$other/status")
expect_eq "$st" R "the other process"
exit 0
