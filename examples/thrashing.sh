#!/bin/sh
# thrashing.sh - a working set that no longer fits: the thrashing knee.
#
#   examples/thrashing.sh [W [ROUNDS]]       (default: 32 pages, 20 rounds)
#
# What it shows.  A process loops over a working set of W pages, ROUNDS
# times; on each page it reads three words and writes one.  The memory
# it may use (config/user_limit, resident user pages) is swept from well
# above W to well below it.  While the W pages fit, the only faults are
# the W first touches.  One page short, the loop faults on every page it
# visits: each fault is a major fault (pgmajfault, pswpin: the page comes
# back from swap) and the page it evicts is dirty, so it is written out
# (pswpout).  The effective access time (EAT = clock_ns / accesses) jumps
# from about a hundred nanoseconds to tens of microseconds: thrashing.  A
# second table runs the same sweep under the random policy, which falls
# off more gently than the clock (or LRU, or FIFO) does on a loop.
#
# How it works.  A fresh machine with 64 MiB of swap is mounted in a
# temporary directory.  Every run starts with `reset` in ctl (no
# processes, counters and clock at 0), writes the limit to
# config/user_limit, spawns a process, maps its W pages (mmap in
# PID/ctl) and writes the loop to PID/trace as a simple trace ("r ADDR",
# "w ADDR").  The counts are pgfault, pgmajfault, pswpin, pswpout,
# accesses and clock_ns from vmstat, with the default costs (a major
# fault 100 us, a page written to swap 100 us, a minor fault 1 us, a
# memory reference 100 ns).  The machine is unmounted at the end, also
# when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds at most.
#
# Questions.  Why does one missing page cost as much as half the memory
# under clock?  Make the loop read-only (drop the "w" line): what happens
# to pswpout, and why (swap_clean)?  Halve config/cost_major_fault: how
# does the EAT past the knee change?  Instead of lowering the limit, run
# several processes of W/2 pages each under a fixed limit: where is the
# knee now?
set -eu

. "$(dirname "$0")/lab.sh"
W=${1:-32}
rounds=${2:-20}

lab_start thrashing -o mem=16M -o swap=64M

base=$((0x10000000))
# the loop: on each page, three reads and a write
awk -v base=$base -v w="$W" -v r="$rounds" 'BEGIN {
	for (i = 0; i < r; i++)
		for (p = 0; p < w; p++) {
			a = base + p * 4096
			printf "r 0x%x\nr 0x%x\nr 0x%x\n", a, a + 1024, a + 2048
			printf "w 0x%x\n", a + 3072
		}
}' >"$tmp/loop.trace"

# run LIMIT: one loop under a global limit of LIMIT pages; prints
# "limit pgfault pgmajfault pswpin pswpout eat_ns"
run() {
	echo reset >"$lab/ctl"
	echo "$1" >"$lab/config/user_limit"
	echo "spawn loop" >"$lab/ctl"
	pid=$(cat "$lab/last_pid")
	echo "mmap $base $((W * 4))K rw-" >"$lab/$pid/ctl"
	cat "$tmp/loop.trace" >"$lab/$pid/trace"
	echo "$1 $(lab_vmstat pgfault) $(lab_vmstat pgmajfault) $(lab_vmstat pswpin) $(lab_vmstat pswpout)" \
		"$(awk -v c="$(lab_vmstat clock_ns)" -v a="$(lab_vmstat accesses)" 'BEGIN { printf "%.0f", c / a }')"
}

limits=$(printf '%s\n' $((W * 3 / 2)) $((W * 5 / 4)) $((W + 1)) "$W" $((W - 1)) $((W - 2)) \
	$((W * 7 / 8)) $((W * 3 / 4)) $((W / 2)) $((W / 4)) | awk '$1 > 0 && !seen[$1]++')

# table POLICY: the sweep under POLICY
table() {
	echo "$1" >"$lab/config/policy"
	: >"$tmp/$1"
	for l in $limits; do
		run "$l" >>"$tmp/$1"
	done
	echo "  limit  pgfault  pgmajfault  pswpin  pswpout    EAT ns  slowdown"
	awk -v w="$W" '
	NR == 1 { eat0 = $6 }
	{
		mark = ""
		if ($1 == w) mark = "   <- the working set just fits"
		if ($1 == w - 1) mark = "   <- one page short"
		printf "  %5d %8d %11d %7d %8d %9d %8.0fx%s\n", $1, $2, $3, $4, $5, $6, $6 / eat0, mark
	}' "$tmp/$1"
}

accesses=$((W * rounds * 4))
cat <<EOT
Thrashing: a loop over W = $W pages, $rounds rounds, $accesses accesses
(each page: 3 reads and 1 write), memory limit = config/user_limit in pages

Policy clock (the default)
EOT
table clock
cat <<EOT

The same sweep under random (config/seed $(cat "$lab/config/seed"))
EOT
table random
echo 0 >"$lab/config/user_limit"

echo
awk -v w="$W" '
$1 == w { fit = $2; eatfit = $6 }
$1 == w - 1 { short = $2; eatshort = $6 }
END {
	printf "clock: with %d pages, %d faults and %d ns an access; with %d pages, %d faults\n",
		w, fit, eatfit, w - 1, short
	printf "and %d ns an access, %.0f times slower: past the knee, the loop thrashes.\n",
		eatshort, eatshort / eatfit
}' "$tmp/clock"
