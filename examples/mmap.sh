#!/bin/sh
# mmap.sh - one file mapped shared and private; the page cache under
# memory pressure.
#
#   examples/mmap.sh
#
# What it shows.  Part 1: files/data (16 pages of text, "page-NN" lines)
# is mapped shared by process A and private by process B.  A page of a
# file lives in one frame of the page cache, and every view of the file
# reads that frame: A's mapping, B's mapping until B writes the page,
# read(2) of files/data.  So A's store is in the file at once (cat sees
# it) and in B's view too; B's store copies the page into a frame of its
# own (cow_break), which neither the file nor A ever sees; a write(2) to
# files/data is seen by A at once, and by B except in the page it copied.
# Dirty pages reach the disk (the backing file in the lab's state
# directory) only when written back: here by msync.
#
# Part 2: the machine keeps at most 32 user pages resident, and
# files/big is 256 pages.  Writing it, reading it with cat or writing it
# through a shared mapping, the page cache never holds more than 32
# pages: reclaim scans (pgscan_file) and evicts (pgsteal_file) file pages
# as new ones come.  A clean file page is simply dropped (it can be read
# again, pgpgin); a dirty one is written back to its file first (pgpgout).
# File pages never go to swap (pswpout stays 0), although the machine has
# swap; anonymous pages under the same pressure do.  drop_caches frees
# the clean, unmapped file pages at once.
#
# How it works.  A fresh machine with 16 MiB of memory, 16 MiB of swap
# and a limit of 32 resident user pages (-o limit=32) is mounted in a
# temporary directory; files/ shows its state directory's files/.
# Processes are spawned through ctl (pid in last_pid) and map the file
# with `mmap ADDR LEN PROT file=PATH shared|private` in PID/ctl.  Their
# loads and stores go through PID/mem, so they fault as the process's own
# would.  files/data and files/big are written and read through the mount
# (write(2) and read(2), served by the lab's page cache); the disk's copy
# is read from the state directory directly, beside the mount.  `sync
# FILE` is fsync(2).  The counters are vmstat's: nr_file_pages and
# nr_dirty are levels, the others are counts of events.  The machine is
# unmounted at the end, also when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds at most.
#
# Questions.  In part 1, B reads page 2 after its own store: which frame
# does it read, and what does B's smaps say about it (Anonymous)?  What
# would B see at page 2 if it had stored there only after the write(2)?
# Why does A's msync write page 3, which A never stored to?  In part 2,
# why is the read of 256 pages through a 32-page cache a cost in pgpgin
# but not in pgpgout?  Run step 6 without step 5: how do pgpgin and
# pgsteal_file change, and why?
set -eu

. "$(dirname "$0")/lab.sh"

limit=32
lab_start mmap -o mem=16M -o swap=16M -o limit=$limit

files=$lab/files
disk=$tmp/state/files

# text NAME PAGES: PAGES pages of 512 lines "NAME-NN\n" (8 bytes), NN the page
text() {
	awk -v name="$1" -v pages="$2" -v w=$((7 - ${#1} - 1)) 'BEGIN {
		for (p = 0; p < pages; p++)
			for (l = 0; l < 512; l++)
				printf "%s-%0" w "d\n", name, p
	}'
}

# spawn NAME: a new process; prints its pid
spawn() {
	echo "spawn $1" >"$lab/ctl"
	cat "$lab/last_pid"
}

# load PID ADDR: the 7 bytes at ADDR, as process PID loads them
load() {
	dd if="$lab/$1/mem" bs=1 skip=$(($2)) count=7 status=none
}

# store PID ADDR TEXT: process PID stores TEXT at ADDR
store() {
	printf %s "$3" | dd of="$lab/$1/mem" bs=1 seek=$(($2)) conv=notrunc status=none
}

# at FILE OFFSET: the 7 bytes at OFFSET of FILE
at() {
	dd if="$1" bs=1 skip=$(($2)) count=7 status=none
}

# ======================================================================
# Part 1: one file, shared and private
text page 16 >"$files/data"
sync "$files/data"
pgpgout0=$(lab_vmstat pgpgout)
a=$(spawn A)
b=$(spawn B)
abase=$((0x10000000))
bbase=$((0x20000000))
echo "mmap $abase 64K rw- file=data shared" >"$lab/$a/ctl"
echo "mmap $bbase 64K rw- file=data private" >"$lab/$b/ctl"

# views STEP: a row per view of pages 1 to 3
views() {
	for who in A B files/data disk; do
		printf '  %4s  %-10s' "$1" "$who"
		for pg in 1 2 3; do
			case $who in
			A) v=$(load "$a" $((abase + pg * 4096))) ;;
			B) v=$(load "$b" $((bbase + pg * 4096))) ;;
			files/data) v=$(at "$files/data" $((pg * 4096))) ;;
			disk) v=$(at "$disk/data" $((pg * 4096))) ;;
			esac
			printf '  %-7s' "$v"
		done
		echo
	done
}

# counters STEP: the counters of part 1 after STEP
counters() {
	printf '  %4s %10s %9s %8s %12s\n' "$1" "$(lab_vmstat cow_break)" \
		"$(lab_vmstat nr_dirty)" $(($(lab_vmstat pgpgout) - pgpgout0)) \
		"$(awk -v r="$(printf %x $bbase)-" 'index($0, r) == 1 { on = 1; next }
			on && $1 == "Anonymous:" { print $2; exit }' "$lab/$b/smaps")"
}

cat <<EOT
Part 1: files/data, 16 pages of text ("page-NN" lines), on disk (sync)
A (pid $a) maps it shared at 0x$(printf %x $abase), B (pid $b) private at 0x$(printf %x $bbase)

  step 0  A and B load pages 1 to 3: both map the page cache's frames
  step 1  A stores "A-wrote" at page 1 through its mapping (A/mem)
  step 2  B stores "B-wrote" at page 2 through its mapping (B/mem)
  step 3  write(2) of "write()" at pages 2 and 3 (dd of=files/data conv=notrunc)
  step 4  A: msync of its whole region (A/ctl)

The first 7 bytes of pages 1 to 3, as each one sees them:
  step  view        page 1   page 2   page 3
EOT
views 0 >"$tmp/views"
counters 0 >"$tmp/counters"
store "$a" $((abase + 4096)) A-wrote
views 1 >>"$tmp/views"
counters 1 >>"$tmp/counters"
store "$b" $((bbase + 2 * 4096)) B-wrote
views 2 >>"$tmp/views"
counters 2 >>"$tmp/counters"
for pg in 2 3; do
	printf 'write()' | dd of="$files/data" bs=1 seek=$((pg * 4096)) conv=notrunc status=none
done
views 3 >>"$tmp/views"
counters 3 >>"$tmp/counters"
echo "msync $abase 64K" >"$lab/$a/ctl"
views 4 >>"$tmp/views"
counters 4 >>"$tmp/counters"
awk '$1 != prev && NR > 1 { print "" } { print; prev = $1 }' "$tmp/views"
cat <<EOT

  A           A's loads through its shared mapping
  B           B's loads through its private mapping
  files/data  read(2) of the file through the mount: the page cache
  disk        the backing file in the state directory, beside the mount

Counters after each step (vmstat; pgpgout: KiB written back since step 0;
B's Anonymous: kB of anonymous memory in B's mapping of files/data, from its smaps):
  step  cow_break  nr_dirty  pgpgout  B Anonymous
EOT
cat "$tmp/counters"

# ======================================================================
# Part 2: the page cache under pressure
echo "kill $a" >"$lab/ctl"
echo "kill $b" >"$lab/ctl"
echo drop_caches >"$lab/ctl"
pages=256

keys="nr_file_pages nr_dirty pgmajfault pgscan_file pgsteal_file pgpgin pgpgout pswpout"
snap() {
	for k in $keys; do
		lab_vmstat "$k"
	done | tr '\n' ' '
}
# step N NAME: one row, levels after the step, counters since the last row
before=$(snap)
step() {
	now=$(snap)
	echo "$1 $2 $before $now" | awk '{
		printf "  %4s  %-6s", $1, $2
		for (i = 3; i <= 10; i++)
			printf (i <= 4 ? " %6d" : " %8d"), (i <= 4 ? $(i + 8) : $(i + 8) - $i)
		print ""
	}' | tee -a "$tmp/pressure"
	before=$now
}

cat <<EOT

Part 2: the page cache under pressure
files/big is $pages pages ($((pages * 4)) KiB, "big-NNN" lines); the machine keeps at most
$limit user pages resident (-o limit=$limit); A and B were killed, the cache dropped

  step 1  write   files/big written with write(2) (text > files/big)
  step 2  fsync   sync files/big
  step 3  drop    echo drop_caches > ctl
  step 4  cat     cat files/big > /dev/null
  step 5  drop    echo drop_caches > ctl
  step 6  mmap    C maps files/big shared and writes it through its mapping (C/mem),
                  the first line of every page now "C-wrote"
  step 7  msync   C: msync of its whole region
  step 8  anon    C is killed; D writes $pages pages of private anonymous memory

                   levels after    counts during the step
  step  what    file_p  dirty  majfault  scan_fl steal_fl   pgpgin  pgpgout  pswpout
EOT
text big $pages >"$files/big"
step 1 write
sync "$files/big"
step 2 fsync
echo drop_caches >"$lab/ctl"
step 3 drop
cat "$files/big" >/dev/null
step 4 cat
echo drop_caches >"$lab/ctl"
step 5 drop
c=$(spawn C)
cbase=$((0x30000000))
echo "mmap $cbase $((pages * 4))K rw- file=big shared" >"$lab/$c/ctl"
# the file's text with the first line of every page replaced
text big $pages | awk 'NR % 512 == 1 { $0 = "C-wrote" } { print }' >"$tmp/c.txt"
dd if="$tmp/c.txt" of="$lab/$c/mem" bs=4096 seek=$((cbase / 4096)) conv=notrunc status=none
step 6 mmap
echo "msync $cbase $((pages * 4))K" >"$lab/$c/ctl"
step 7 msync
echo "kill $c" >"$lab/ctl"
d=$(spawn D)
echo "mmap $cbase $((pages * 4))K rw- private" >"$lab/$d/ctl"
echo "touch $cbase $((pages * 4))K w" >"$lab/$d/ctl"
step 8 anon

cat <<EOT

  file_p    nr_file_pages: pages in the page cache (meminfo Cached, in pages)
  dirty     nr_dirty: of those, pages newer than the file on disk (meminfo Dirty)
  majfault  pgmajfault: faults that had to read the page (read(2) is not a fault)
  scan_fl   pgscan_file: file pages the replacement policy looked at
  steal_fl  pgsteal_file: file pages it evicted (dropped, written back first if dirty)
  pgpgin    KiB read from files and swap
  pgpgout   KiB written to files and swap
  pswpout   pages written to swap
EOT
awk -v limit=$limit '{
	if ($3 > max) max = $3
	if ($2 != "anon") swp += $10
	if ($2 == "mmap") { out = $9; steal = $6 }
	if ($2 == "msync") out += $9
}
END {
	printf "\nThe page cache never held more than %d pages (the limit: %d).  Work on files\n", max, limit
	printf "wrote %d pages to swap; the dirty shared mapping went to its file: %d KiB.\n", swp, out
}' "$tmp/pressure"
grep -c '^C-wrote$' "$disk/big" | awk -v pages=$pages '{
	printf "\nOn disk: %d of the %d pages of files/big begin with C'"'"'s \"C-wrote\".\n", $1, pages }'
