#!/bin/sh
# tlb-reach.sh - how much memory the TLB covers with 4 KiB pages and with
# 2 MiB pages, and what that does to the effective access time.
#
#   examples/tlb-reach.sh [STRIDE]     (default: 4096 bytes; a power of two
#                                       from 64 to 2M, K and M allowed)
#
# What it shows.  A process reads 64 MiB of its memory, one byte every
# STRIDE bytes from the start to the end, twice (two passes).  First the
# region is made of 4 KiB pages, then of 2 MiB pages (mmap ... huge=2M).
# The default TLB has 64 entries in 4 ways (16 sets, least recently used
# way replaced) shared by both page sizes: it covers 64 x 4 KiB = 256 KiB
# of 4 KiB pages but 64 x 2 MiB = 128 MiB of 2 MiB pages.  With 4 KiB
# pages the 16384 pages of the region are 1024 per set: a page is gone
# from the TLB long before the walk comes back to it, so the first read
# of every page misses, in every pass, and each miss walks the 4 levels
# of the page table (4 walk_refs).  With 2 MiB pages the region is 32
# pages, 2 per set: the first pass misses once per page (3 walk_refs: the
# PS leaf is in the page directory), the second pass hits every time.
# The effective access time (EAT) is the simulated clock over the reads:
# 1 ns a TLB lookup, 100 ns a memory reference (each walk_ref, and the
# read itself), so 501 ns a read that misses against 101 ns one that hits.
#
# How it works.  A fresh machine is mounted in a temporary directory with
# 160 MiB of memory and no swap.  For each page size, `reset` in ctl
# empties the machine (no processes, an empty TLB), a process is spawned
# (ctl, last_pid) and maps the region with `mmap 0x40000000 64M rw-
# [huge=2M] populate` in PID/ctl: populate faults every page in at once,
# without going through the TLB, so the passes make no faults and start
# with an empty TLB.  Each pass is a simple trace ("r ADDR", one read a
# line) written to PID/trace.  The counts are the growth of accesses,
# tlb_hit, tlb_miss, walk_refs and clock_ns in vmstat over each pass;
# thp_fault_alloc counts the 2 MiB pages mapped (none may fall back to
# 4 KiB pages: thp_fault_fallback); the entries of each size held at the
# end are counted from the tlb file.  The machine is unmounted at the
# end, also when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds with the default stride.
#
# Questions.  Work out the misses of each pass before running, for a
# stride of 64, 4096 and 2M (`tlb-reach.sh 2M`: why do 32 pages of 4 KiB,
# fewer than the TLB's 64 entries, miss on every read?).  How large may
# the region grow before 2 MiB pages miss in the second pass too, and
# what does the TLB hold then (cat tlb)?  Read PID/translate/0x40000000
# in each case: where does the walk stop?  What EAT would 5-level page
# tables give (one walk_ref more a miss)?
set -eu

. "$(dirname "$0")/lab.sh"
stride=${1:-4096}
case $stride in
*[Kk]) stride=$((${stride%?} * 1024)) ;;
*[Mm]) stride=$((${stride%?} * 1048576)) ;;
esac
case $stride in
'' | *[!0-9]*) echo "tlb-reach: STRIDE must be a number of bytes" >&2; exit 1 ;;
esac
if [ "$stride" -lt 64 ] || [ "$stride" -gt 2097152 ] ||
	[ $((stride & (stride - 1))) -ne 0 ]; then
	echo "tlb-reach: STRIDE must be a power of two from 64 to 2M" >&2
	exit 1
fi

lab_start tlb-reach -o mem=160M -o swap=0
entries=$(cat "$lab/config/tlb_entries")
ways=$(cat "$lab/config/tlb_ways")

base=$((0x40000000))
region=$((64 * 1048576))
reads=$((region / stride))
passes=2

# snap: keep a copy of vmstat;  delta KEY: its growth since snap
snap() {
	cat "$lab/vmstat" >"$tmp/before"
}
delta() {
	awk -v k="$1" 'FNR == NR { if ($1 == k) b = $2; next }
		$1 == k { print $2 - b }' "$tmp/before" "$lab/vmstat"
}

# one pass: a read every STRIDE bytes over the region
awk -v base="$base" -v len="$region" -v s="$stride" 'BEGIN {
	for (off = 0; off < len; off += s)
		printf "r 0x%x\n", base + off
}' >"$tmp/pass.trace"

# run SIZE [huge=2M]: maps the region in a fresh machine, walks it
# $passes times; a row per pass, and the totals into $tmp/SIZE
run() {
	echo reset >"$lab/ctl"
	echo "spawn reach$1" >"$lab/ctl"
	pid=$(cat "$lab/last_pid")
	echo "mmap $base 64M rw- $2 populate" >"$lab/$pid/ctl"
	if [ "$(lab_vmstat thp_fault_fallback)" -ne 0 ]; then
		echo "tlb-reach: a 2 MiB page fell back to 4 KiB pages" >&2
		exit 1
	fi
	huge=$(lab_vmstat thp_fault_alloc)
	: >"$tmp/$1"
	pass=1
	while [ $pass -le $passes ]; do
		snap
		cat "$tmp/pass.trace" >"$lab/$pid/trace"
		set -- "$1" "$2" "$(delta accesses)" "$(delta tlb_hit)" "$(delta tlb_miss)" \
			"$(delta walk_refs)" "$(delta clock_ns)"
		printf '  %-5s %4d %9d %9d %9d %10d %10d %7.1f\n' "$1" $pass "$3" "$4" "$5" "$6" "$7" \
			"$(awk -v c="$7" -v a="$3" 'BEGIN { print c / a }')"
		echo "$3 $5 $7" >>"$tmp/$1"
		pass=$((pass + 1))
	done
	held=$(awk 'NR > 1 { n[$6]++ } END { printf "%d 4K, %d 2M\n", n["4K"], n["2M"] }' "$lab/tlb")
	echo "$huge $held" >"$tmp/$1.end"
}

cat <<EOT
TLB reach: a walk over 64 MiB at 0x$(printf %x $base), one read every $stride bytes,
$reads reads a pass, $passes passes, in 4 KiB pages and then in 2 MiB pages

The TLB: $entries entries, $ways ways, $((entries / ways)) sets, shared by both page sizes
  reach with 4 KiB pages: $entries x 4 KiB = $((entries * 4)) KiB
  reach with 2 MiB pages: $entries x 2 MiB = $((entries * 2)) MiB

  pages pass  accesses   tlb_hit  tlb_miss  walk_refs   clock_ns  EAT ns
EOT
run 4K ""
run 2M huge=2M

# total SIZE: "accesses misses clock" over all passes
total() {
	awk '{ a += $1; m += $2; c += $3 } END { print a, m, c }' "$tmp/$1"
}
set -- $(total 4K) $(total 2M)
eat4=$(awk -v c="$3" -v a="$1" 'BEGIN { printf "%.1f", c / a }')
eat2=$(awk -v c="$6" -v a="$4" 'BEGIN { printf "%.1f", c / a }')
read -r _ held4 <"$tmp/4K.end"
read -r huge2 held2 <"$tmp/2M.end"
cat <<EOT

Effective access time over the $passes passes (clock_ns / accesses):
  4 KiB pages: $eat4 ns a read  ($3 ns / $1 reads, $2 TLB misses)
  2 MiB pages: $eat2 ns a read  ($6 ns / $4 reads, $5 TLB misses)
  4 KiB against 2 MiB: $(awk -v a="$3" -v b="$6" 'BEGIN { printf "%.2f", a / b }') times the time, $(awk -v a="$2" -v b="$5" 'BEGIN { if (b) printf "%.1f", a / b; else print "-" }') times the TLB misses

2 MiB pages mapped (thp_fault_alloc): $huge2
The TLB at the end: $held4 entries after the 4 KiB walk; $held2 after the 2 MiB walk
EOT
