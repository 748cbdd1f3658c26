#!/bin/sh
# policies.sh - one reference string, every replacement policy, 3 frames.
#
#   examples/policies.sh
#
# What it shows.  The textbook reference string
#   7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1
# (20 references to 6 pages) with 3 frames under each policy of
# config/policy: fifo, lru, clock, nru, random, aging, wsclock and lru2,
# with the faults each takes and the pages it looked at while choosing
# victims.  OPT (Belady's optimal policy) needs to know the future
# references, which nothing written to the mounted tree gives it: the lab
# works OPT out from the string itself with awk, shows what the machine
# does when asked for opt anyway, and quotes its log.
#
# How it works.  A fresh machine is mounted in a temporary directory.
# For each policy: the policy is written to config/policy (which also
# restarts the random generator from config/seed), a fresh process is
# spawned, given 3 frames through PID/limit, and the string is written to
# PID/trace as a simple trace: a read ("r ADDR") of page P at
# 0x10000000 + P * 4096.  Faults are minflt + majflt (fields 10 and 12 of
# PID/stat); "scanned" is the growth of pgscan_direct in vmstat during the
# run; the pages resident at the end come from PID/pagemap.  The machine
# is unmounted at the end, also when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds at most.
#
# Questions.  aging ticks every config/aging_period accesses (1000 by
# default): how often does it tick during these 20 references, and what
# does that make it?  Set the period to 1 in the script and run again.
# Change config/seed for random.  Why does clock scan more pages than
# fifo, and what does it buy?
set -eu

. "$(dirname "$0")/lab.sh"

# 16 MiB of memory, no swap: the pages are only read, so an evicted page
# is dropped and faulted in again as a page of zeros.
lab_start policies -o mem=16M -o swap=0

ref="7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1"
frames=3
npages=8 # pages 0..7
base=$((0x10000000))
for p in $ref; do
	printf 'r 0x%x\n' $((base + p * 4096))
done >"$tmp/ref.trace"

# the knobs some policies read, as the machine has them
echo 1 >"$lab/config/seed"
seed=$(cat "$lab/config/seed")
period=$(cat "$lab/config/aging_period")
tau=$(cat "$lab/config/ws_tau")

# run POLICY NOTE: one replay of the string in a fresh process
run() {
	echo "$1" >"$lab/config/policy"
	echo "spawn $1" >"$lab/ctl"
	pid=$(cat "$lab/last_pid")
	echo $frames >"$lab/$pid/limit"
	echo "mmap $base $((npages * 4))K r--" >"$lab/$pid/ctl"
	scan0=$(lab_vmstat pgscan_direct)
	cat "$tmp/ref.trace" >"$lab/$pid/trace"
	scanned=$(($(lab_vmstat pgscan_direct) - scan0))
	faults=$(awk '{ print $10 + $12 }' "$lab/$pid/stat")
	printf '%-8s %6s %8s   %-9s %s\n' "$1" "$faults" "$scanned" "$(lab_resident "$pid" "$base" "$npages" 0)" "$2" |
		sed 's/ *$//'
	echo exit >"$lab/$pid/ctl"
}

cat <<EOT
Page replacement policies, $frames frames
  reference string: $ref
  ($(echo "$ref" | wc -w | tr -d ' ') references; page P is the page at 0x$(printf %x $base) + P*4096)
  each run: a fresh process, PID/limit = $frames, the string written to PID/trace
  faults = minflt + majflt (PID/stat); scanned = pgscan_direct (vmstat)

policy   faults  scanned   resident  notes
EOT
run fifo ""
run lru ""
run clock "(second chance)"
run nru "(enhanced clock on A, D)"
run random "(config/seed $seed)"
run aging "(config/aging_period $period)"
run wsclock "(config/ws_tau $tau)"
run lru2 "(active/inactive lists)"

# OPT, worked out here from the string: evict the page whose next use is
# furthest away (never used again counts as furthest)
opt=$(echo "$ref" | awk -v frames=$frames '{
	n = split($0, r, " ")
	for (i = 1; i <= n; i++) {
		if (r[i] in res) continue
		faults++
		if (nres < frames) { res[r[i]] = 1; nres++; continue }
		far = -1
		for (p in res) {
			for (j = i + 1; j <= n && r[j] != p; j++) ;
			if (j > far) { far = j; victim = p }
		}
		delete res[victim]
		res[r[i]] = 1
	}
	print faults
}')

# ... and what the machine does when asked for opt
log_before=$(wc -l <"$lab/log")
echo opt >"$lab/config/policy"
echo "spawn opt" >"$lab/ctl"
pid=$(cat "$lab/last_pid")
echo $frames >"$lab/$pid/limit"
echo "mmap $base $((npages * 4))K r--" >"$lab/$pid/ctl"
cat "$tmp/ref.trace" >"$lab/$pid/trace"
opt_mounted=$(awk '{ print $10 + $12 }' "$lab/$pid/stat")
echo exit >"$lab/$pid/ctl"
opt_log=$(tail -n +$((log_before + 1)) "$lab/log" | grep 'policy opt' | sed 's/^\[[^]]*\] //' | head -n 1)

cat <<EOT

opt: Belady's optimal policy needs the future references, and nothing
  written to the mounted tree tells the machine the future.  Worked out
  from the string by this script (awk), OPT takes $opt faults: the least
  any policy can take with $frames frames.  Asked for opt anyway, the
  mounted machine took $opt_mounted faults and logged:
    ${opt_log:-(nothing)}
EOT
