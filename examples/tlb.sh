#!/bin/sh
# tlb.sh - what the TLB does for a loop, and what a context switch costs it.
#
#   examples/tlb.sh [ENTRIES [WAYS]]        (default: 64 entries, 4 ways)
#
# What it shows.
#  1. One process loops over N pages, N from a quarter of the TLB's
#     entries to twice as many.  While the N pages fit (N <= entries, the
#     TLB's reach is entries x 4 KiB) every access hits after the first
#     round; past the reach the hit rate collapses, each miss costs a
#     4-level page walk (walk_refs) and the effective access time (EAT)
#     grows five-fold.  The last column replays the same loop in a fully
#     associative TLB of the same size: LRU over a loop one page too long
#     misses on every access, a set-associative TLB degrades more gently.
#  2. Two processes take turns, each looping over its own pages, with
#     ASIDs (config/asid = 1) and without (0).  Without ASIDs every switch
#     flushes the TLB (tlb_flush counts the entries dropped), so each
#     process starts its turn with an empty TLB; the longer the quantum,
#     the more accesses share the cost of one flush.  With ASIDs the
#     entries of both stay cached and nothing is flushed.
#
# How it works.  A fresh machine is mounted in a temporary directory with
# the TLB geometry asked for (config/tlb_entries, config/tlb_ways).  Every
# run starts with `reset` in ctl (no processes, an empty TLB, counters at
# 0) and new processes.  Loops are simple traces ("r ADDR", one read a
# page) written to PID/trace; the two processes' turns are one
# multi-process trace ("PID r ADDR") written to the root's trace.  One
# warm-up round is replayed first and left out: the counts are the growth
# of tlb_hit, tlb_miss, tlb_flush, walk_refs, clock_ns and accesses in
# vmstat over the rounds after it, and EAT = clock_ns / accesses (default
# costs: 1 ns a TLB lookup, 100 ns a memory reference).  The TLB's
# entries at the end are counted from the tlb file.  The machine is
# unmounted at the end, also when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds at most.
#
# Questions.  Why does 65 pages in a 64-entry, 4-way TLB still hit most of
# the time, but not in a fully associative one?  Run `tlb.sh 64 1` (direct
# mapped) and `tlb.sh 128 8`.  What EAT would a TLB miss cost with 5-level
# page tables?  At what quantum does a flush per switch stop mattering?
set -eu

. "$(dirname "$0")/lab.sh"
entries=${1:-64}
ways=${2:-4}

lab_start tlb -o mem=16M -o swap=0 \
	-o "tlb_entries=$entries" -o "tlb_ways=$ways"
entries=$(cat "$lab/config/tlb_entries")
ways=$(cat "$lab/config/tlb_ways")
sets=$((entries / ways))

rounds=8
base_a=$((0x10000000))

# snap NAME: keep a copy of vmstat;  delta KEY: its growth since "before"
snap() {
	cat "$lab/vmstat" >"$tmp/$1"
}
delta() {
	awk -v k="$1" 'FNR == NR { if ($1 == k) b = $2; next }
		$1 == k { print $2 - b }' "$tmp/before" "$lab/vmstat"
}
# pct PART WHOLE: a percentage with one decimal
pct() {
	awk -v p="$1" -v w="$2" 'BEGIN { if (w == 0) print "-"; else printf "%.1f\n", 100 * p / w }'
}
# eat: nanoseconds per access since "before"
eat() {
	awk -v c="$(delta clock_ns)" -v a="$(delta accesses)" 'BEGIN { printf "%.0f\n", c / a }'
}
# loop FIRSTPAGEADDR PAGES ROUNDS: a simple trace, one read a page
loop() {
	awk -v base="$1" -v n="$2" -v r="$3" 'BEGIN {
		for (i = 0; i < r; i++)
			for (p = 0; p < n; p++)
				printf "r 0x%x\n", base + p * 4096
	}'
}

# stream PAGES: one process loops over PAGES pages; sets hits, misses,
# walks, eat
stream() {
	echo reset >"$lab/ctl"
	echo "spawn stream" >"$lab/ctl"
	pid=$(cat "$lab/last_pid")
	echo "mmap $base_a $(($1 * 4))K r--" >"$lab/$pid/ctl"
	loop $base_a "$1" 1 >"$lab/$pid/trace"
	snap before
	loop $base_a "$1" $rounds >"$tmp/loop.trace"
	cat "$tmp/loop.trace" >"$lab/$pid/trace"
	hits=$(delta tlb_hit)
	misses=$(delta tlb_miss)
	walks=$(delta walk_refs)
	ns=$(eat)
}

cat <<EOT
The TLB: $entries entries, $ways ways, $sets sets; reach $entries x 4 KiB = $((entries * 4)) KiB
(counts over $rounds rounds of the loop, after one warm-up round)

1. One process looping over N pages

  pages     KiB  tlb_hit  tlb_miss   hit%  walk_refs  EAT ns   hit% fully assoc.
EOT
q=$((entries / 4))
[ "$q" -ge 1 ] || q=1
e8=$((entries / 8))
[ "$e8" -ge 1 ] || e8=1
sizes=$(printf '%s\n' $q $((entries / 2)) "$entries" $((entries + 1)) \
	$((entries + e8)) $((entries + 2 * e8)) $((entries + entries / 2)) $((2 * entries)) |
	awk '$1 > 0 && !seen[$1]++')
for n in $sizes; do
	stream "$n"
	echo "$n $hits $misses $walks $ns" >>"$tmp/sweep"
done
# the same loops in a fully associative TLB of the same size
echo "$entries" >"$lab/config/tlb_ways"
for n in $sizes; do
	stream "$n"
	echo "$n $(pct "$hits" $((hits + misses)))" >>"$tmp/sweep-fa"
done
echo "$ways" >"$lab/config/tlb_ways"
while read -r n hits misses walks ns; do
	fa=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/sweep-fa")
	mark=
	[ "$n" -eq "$entries" ] && mark="   <- the TLB's reach"
	printf '  %5s %7s %8s %9s %6s %10s %7s %10s%s\n' "$n" $((n * 4)) "$hits" "$misses" \
		"$(pct "$hits" $((hits + misses)))" "$walks" "$ns" "$fa" "$mark"
done <"$tmp/sweep"

# 2. two processes taking turns
k=$((entries / 4))
[ "$k" -ge 1 ] || k=1
total=$((32 * entries))
# b's pages start k pages further in their sets than a's, so that the
# 2k pages spread over the sets and fit together in any geometry
base_b=$((0x20000000 + k * 4096))
quanta=$(printf '%s\n' 1 "$k" $((4 * k)) $((16 * k)) | awk '!seen[$1]++')
cat <<EOT

2. Two processes taking turns, $k pages each (both fit in the TLB together)
   $total accesses; a quantum is how many accesses a process makes per turn

  asid   quantum  switches  tlb_flush  tlb_miss   hit%  EAT ns  in TLB at end (a+b)
EOT
for asid in 1 0; do
	for quantum in $quanta; do
		echo reset >"$lab/ctl"
		echo $asid >"$lab/config/asid"
		echo "spawn a" >"$lab/ctl"
		a=$(cat "$lab/last_pid")
		echo "spawn b" >"$lab/ctl"
		b=$(cat "$lab/last_pid")
		echo "mmap $base_a $((k * 4))K r--" >"$lab/$a/ctl"
		echo "mmap $base_b $((k * 4))K r--" >"$lab/$b/ctl"
		# warm-up: each process touches its pages once, a then b
		{ loop $base_a $k 1 | sed "s/^/$a /"; loop $base_b $k 1 | sed "s/^/$b /"; } >"$tmp/warm.trace"
		cat "$tmp/warm.trace" >"$lab/trace"
		snap before
		awk -v a="$a" -v b="$b" -v ba="$base_a" -v bb="$base_b" -v k="$k" \
			-v q="$quantum" -v total="$total" 'BEGIN {
			while (i < total) {
				for (j = 0; j < q && i < total; j++) {
					printf "%d r 0x%x\n", a, ba + (ia++ % k) * 4096
					i++
				}
				for (j = 0; j < q && i < total; j++) {
					printf "%d r 0x%x\n", b, bb + (ib++ % k) * 4096
					i++
				}
			}
		}' >"$tmp/turns.trace"
		switches=$(awk -v prev="$b" '$1 != prev { n++ } { prev = $1 } END { print n + 0 }' "$tmp/turns.trace")
		cat "$tmp/turns.trace" >"$lab/trace"
		hits=$(delta tlb_hit)
		misses=$(delta tlb_miss)
		held=$(awk -v bb="$(printf '%016x' $((base_b / 4096)))" 'NR > 1 {
			if ($4 >= bb) nb++; else na++
		} END { printf "%d+%d\n", na, nb }' "$lab/tlb")
		printf '  asid=%s %7s %9s %10s %9s %6s %7s  %s\n' $asid "$quantum" "$switches" \
			"$(delta tlb_flush)" "$misses" "$(pct "$hits" $((hits + misses)))" "$(eat)" "$held"
	done
done
cat <<EOT

With asid=1 the TLB keeps both processes' entries and nothing is flushed.
With asid=0 each switch drops the previous process's entries (tlb_flush
counts them): with short turns every access misses and pays for a walk;
longer turns spread one flush over more hits.
EOT
