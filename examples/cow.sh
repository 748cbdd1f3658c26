#!/bin/sh
# cow.sh - fork and copy-on-write, one page at a time.
#
#   examples/cow.sh [N]                      (default: 64 pages)
#
# What it shows.  A parent maps N pages of private anonymous memory and
# writes every one of them: N frames, each mapped once, all Private_Dirty.
# fork copies the page tables only (pgalloc_normal grows by the child's four
# tables: root, PDPT, PD, PT) and no data: both processes now map the same
# N frames, write-protected, so every frame is mapped twice (kpagecount
# 2), the region is Shared_Dirty in both, and each process's Pss is half
# its Rss.  Then the child writes its pages one by one.  Each first write
# takes a protection fault and copies the page into a new frame
# (cow_break): one frame more, one frame mapped twice less, two frames
# mapped once (the child's copy and the parent's original), and 4 kB
# moves from Shared_Dirty to Private_Dirty in both processes.  Last, the
# parent writes a page the child has copied: the parent is the last
# mapper of that frame, so it gets write access back without a copy
# (cow_reuse).  A page still shared is copied, whoever writes it first.
#
# How it works.  A fresh machine is mounted in a temporary directory.  The
# parent is spawned (ctl, last_pid), maps its region (mmap in PID/ctl) and
# fills it with 'P' through PID/mem; `fork` in PID/ctl makes the child
# (last_pid again).  Writes go through PID/mem (one byte, 'c' by the
# child, 'p' by the parent): they are the process's own user-mode stores,
# so they fault as a store would.  Rss, Pss, Private_Dirty and
# Shared_Dirty are the region's lines of PID/smaps; the frames are the
# PFNs of PID/pagemap (bits 0-54 of each 8-byte word), looked up in
# kpagecount (8 bytes per PFN: how many PTEs map it); cow_break,
# cow_reuse and pgalloc_normal (frames allocated) come from vmstat.  Reading
# smaps, pagemap and kpagecount changes nothing.  The machine is unmounted
# at the end, also when something fails or on Ctrl-C.
#
# How to run.  Build vmlab (make), then run this script from anywhere; it
# needs FUSE (/dev/fuse and fusermount3).  It uses $VMLABFS if set, else
# ../build/vmlabfs or ../vmlabfs next to this script, else vmlabfs from
# PATH.  It takes a few seconds at most.
#
# Questions.  Why is Pss a whole number of kB here, and when would it not
# be?  Fork a second child before the writes: what do kpagecount and Pss
# show then, and does the last writer still copy?  Change the region to
# `shared` in the mmap line: what does the child's write do now?  What
# does the fork cost in frames for a region of 1 GiB, and for one of 4 KiB
# in each of 64 places 1 GiB apart?
set -eu

. "$(dirname "$0")/lab.sh"
N=${1:-64}
case $N in
'' | *[!0-9]*) echo "cow: N must be a number of pages" >&2; exit 1 ;;
esac
[ "$N" -ge 2 ] || { echo "cow: N must be 2 or more" >&2; exit 1; }

lab_start cow -o mem=16M -o swap=0

base=$((0x10000000))
region=$(printf %x $base)-

# kb PID KEY: the value in kB of line KEY of the region's block of smaps
kb() {
	awk -v r="$region" -v k="$2:" 'index($0, r) == 1 { on = 1; next }
		on && $1 == k { print $2; exit }' "$lab/$1/smaps"
}

# poke PID PAGE CHAR: the process stores CHAR in the first byte of page PAGE
poke() {
	printf %s "$3" |
		dd of="$lab/$1/mem" bs=1 seek=$((base + $2 * 4096)) conv=notrunc status=none
}

# peek PID PAGE: the first byte of page PAGE, as the process loads it
peek() {
	dd if="$lab/$1/mem" bs=1 skip=$((base + $2 * 4096)) count=1 status=none
}

# frames PID...: the distinct frames of the processes' regions, and how
# many of them are mapped twice and once: "frames twice once"
frames() {
	{
		lab_kpagecount
		echo pfns
		for p in "$@"; do
			lab_pfns "$p" $base "$N"
		done
	} | awk '$0 == "pfns" { pfns = 1; next }
		!pfns { count[NR - 1] = $1; next }
		$1 != "-" && !seen[$1]++ {
			n++
			if (count[$1] == 2) two++
			else if (count[$1] == 1) one++
		}
		END { print n + 0, two + 0, one + 0 }'
}

# smaps_row LABEL PID: the region's Rss Pss Private_Dirty Shared_Dirty
smaps_row() {
	printf '  %-15s %6s %6s %14s %13s\n' "$1" "$(kb "$2" Rss)" "$(kb "$2" Pss)" \
		"$(kb "$2" Private_Dirty)" "$(kb "$2" Shared_Dirty)"
}

echo "spawn parent" >"$lab/ctl"
parent=$(cat "$lab/last_pid")
echo "mmap $base $((N * 4))K rw- private" >"$lab/$parent/ctl"
head -c $((N * 4096)) /dev/zero | tr '\0' P |
	dd of="$lab/$parent/mem" bs=4096 seek=$((base / 4096)) conv=notrunc status=none

cat <<EOT
Fork and copy-on-write: a private anonymous region of N = $N pages ($((N * 4)) kB)
at 0x$(printf %x $base), every page written by the parent (pid $parent) before the fork

The region in smaps (kB):
                     Rss    Pss  Private_Dirty  Shared_Dirty
EOT
smaps_row "parent, alone" "$parent"
set -- $(frames "$parent")
before="$1 frames: $3 mapped once, $2 twice"

alloc0=$(lab_vmstat pgalloc_normal)
pt0=$(lab_vmstat pt_alloc)
echo fork >"$lab/$parent/ctl"
child=$(cat "$lab/last_pid")
alloc1=$(lab_vmstat pgalloc_normal)
pt1=$(lab_vmstat pt_alloc)
smaps_row "parent, forked" "$parent"
smaps_row "child (pid $child)" "$child"
set -- $(frames "$parent" "$child")
cat <<EOT

kpagecount of the region's frames (PFNs from each process's pagemap):
  before the fork: $before
  after the fork:  $1 frames: $3 mapped once, $2 twice
fork allocated $((alloc1 - alloc0)) frames (pgalloc_normal), $((pt1 - pt0)) of them page tables (pt_alloc): no data page was copied

The child writes its pages one by one, from page 0 (kB from smaps):
  child  cow_   new     frames  mapped  mapped    parent              child
  wrote  break  frames  in use  twice   once      Pss PrivD ShrD      Pss PrivD ShrD
EOT
break0=$(lab_vmstat cow_break)
row() {
	set -- "$1" $(frames "$parent" "$child")
	printf '  %5d %6d %7d %7d %7d %6d   %6d %5d %4d   %6d %5d %4d\n' "$1" \
		$(($(lab_vmstat cow_break) - break0)) $(($(lab_vmstat pgalloc_normal) - alloc0)) \
		"$2" "$3" "$4" \
		"$(kb "$parent" Pss)" "$(kb "$parent" Private_Dirty)" "$(kb "$parent" Shared_Dirty)" \
		"$(kb "$child" Pss)" "$(kb "$child" Private_Dirty)" "$(kb "$child" Shared_Dirty)"
}
row 0
k=0
step=1
while [ $step -le $((N / 2)) ]; do
	while [ $k -lt $step ]; do
		poke "$child" $k c
		k=$((k + 1))
	done
	row $k
	step=$((step * 2))
done

cat <<EOT

Then each writes a page (deltas of vmstat):
  who     page  the page was                 cow_break  cow_reuse  pgalloc_normal
EOT
# write WHO PID PAGE CHAR WHAT: one store and what it cost
write() {
	b=$(lab_vmstat cow_break)
	r=$(lab_vmstat cow_reuse)
	a=$(lab_vmstat pgalloc_normal)
	poke "$2" "$3" "$4"
	printf '  %-6s %5d  %-28s %9s %10s %14s\n' "$1" "$3" "$5" \
		+$(($(lab_vmstat cow_break) - b)) +$(($(lab_vmstat cow_reuse) - r)) \
		+$(($(lab_vmstat pgalloc_normal) - a))
}
last=$((N - 1))
write parent "$parent" 0 p "copied by the child"
write parent "$parent" $last p "still shared"
write child "$child" $last c "copied by the parent"

cat <<EOT

What each one reads now (first byte of the page):
  page  parent  child
EOT
for pg in 0 1 $((N / 2)) $last; do
	printf '  %4d  %6s  %5s\n' "$pg" "$(peek "$parent" "$pg")" "$(peek "$child" "$pg")"
done

cat <<EOT

The columns:
  child wrote    pages the child has written since the fork (pages 0 .. wrote-1)
  cow_break      write faults on a shared COW page that copied it to a new frame (vmstat)
  new frames     frames allocated since just before the fork (vmstat pgalloc_normal)
  frames in use  distinct frames the two regions map (PFNs from both pagemaps)
  mapped twice   frames with kpagecount 2: still shared by parent and child
  mapped once    frames with kpagecount 1: the child's copies and the parent's originals
  Pss            Rss with each page divided among the processes that map it
  PrivD, ShrD    Private_Dirty, Shared_Dirty: dirty pages mapped by one process, by more
  cow_reuse      write faults by the last mapper of a COW page: write access back, no copy
EOT
