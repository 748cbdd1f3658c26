#!/bin/sh
# belady.sh - Belady's anomaly: with FIFO, more frames can mean more faults.
#
#   examples/belady.sh
#
# What it shows.  The reference string 1 2 3 4 1 2 5 1 2 3 4 5 (five
# pages) is replayed under FIFO and under LRU with 1 to 5 frames.  FIFO
# takes 9 faults with 3 frames but 10 with 4: Belady's anomaly.  LRU is a
# stack algorithm (the pages it holds with n frames are always among those
# it holds with n + 1), so its faults never rise with more frames: 10 with
# 3, 8 with 4.
#
# How it works.  A fresh machine is mounted in a temporary directory.
# Each run spawns a fresh process (so its counters start at 0), gives it
# exactly N frames by writing N to PID/limit, maps five pages and writes
# the string to PID/trace as a simple trace, one read ("r ADDR") of page P
# at 0x10000000 + (P - 1) * 4096.  The faults are fields 10 (minflt) and
# 12 (majflt) of PID/stat; the pages resident at the end are read from
# PID/pagemap (bit 63 of each page's 8-byte word).  The machine is
# unmounted at the end, also when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds at most.
#
# Questions.  Why can FIFO not tell page 1, used a moment ago, from page
# 3, unused for long?  Change the policy list below to "fifo lru clock
# random": does any other policy show the anomaly on this string?  Read
# the "in memory at the end" column for fifo 3 and 4: which pages differ?
set -eu

. "$(dirname "$0")/lab.sh"

# 16 MiB of memory, no swap: the pages are only read, so an evicted page
# is dropped and faulted in again as a page of zeros.
lab_start belady -o mem=16M -o swap=0

ref="1 2 3 4 1 2 5 1 2 3 4 5"
npages=5
base=$((0x10000000))
for p in $ref; do
	printf 'r 0x%x\n' $((base + (p - 1) * 4096))
done >"$tmp/ref.trace"

# run POLICY FRAMES: one replay of the string in a fresh process
run() {
	echo "$1" >"$lab/config/policy"
	echo "spawn $1-$2" >"$lab/ctl"
	pid=$(cat "$lab/last_pid")
	echo "$2" >"$lab/$pid/limit"
	echo "mmap $base $((npages * 4))K r--" >"$lab/$pid/ctl"
	cat "$tmp/ref.trace" >"$lab/$pid/trace"
	minflt=$(awk '{ print $10 }' "$lab/$pid/stat")
	majflt=$(awk '{ print $12 }' "$lab/$pid/stat")
	printf '%-7s %6s %7s %7s %7s   %s\n' "$1" "$2" "$minflt" "$majflt" $((minflt + majflt)) \
		"$(lab_resident "$pid" "$base" "$npages" 1)"
	echo exit >"$lab/$pid/ctl"
}

cat <<EOT
Belady's anomaly
  reference string: $ref
  ($(echo "$ref" | wc -w | tr -d ' ') references to $npages pages; page P is the page at 0x$(printf %x $base) + (P-1)*4096)
  each run: a fresh process, PID/limit = frames, the string written to PID/trace
  faults = minflt + majflt, fields 10 and 12 of PID/stat

policy  frames  minflt  majflt  faults   in memory at the end
EOT
for policy in fifo lru; do
	n=1
	while [ $n -le $npages ]; do
		run $policy $n
		n=$((n + 1))
	done
done >"$tmp/table"

# mark a row whose faults rose from the row above (same policy)
awk '{
	mark = ($1 == pol && $5 > prev) ? "   <- more frames, MORE faults" : ""
	print $0 mark
	pol = $1; prev = $5
}' "$tmp/table"

echo
awk '$1 == "fifo" && $2 == 3 { f3 = $5 } $1 == "fifo" && $2 == 4 { f4 = $5 }
     $1 == "lru" && $2 == 3 { l3 = $5 } $1 == "lru" && $2 == 4 { l4 = $5 }
END {
	if (f4 > f3)
		printf "FIFO: %d faults with 3 frames, %d with 4: Belady'"'"'s anomaly.\n", f3, f4
	else
		printf "FIFO: %d faults with 3 frames, %d with 4: no anomaly this time.\n", f3, f4
	printf "LRU:  %d faults with 3 frames, %d with 4: a stack algorithm never does worse with more.\n", l3, l4
}' "$tmp/table"
