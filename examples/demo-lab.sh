#!/bin/sh
# demo-lab.sh - mount a small lab with something in it to look at.
#
#   examples/demo-lab.sh [MOUNTPOINT]     (default: ./lab)
#
# Mounts vmlabfs with 4 MiB of memory and 64 MiB of swap, starts three
# processes, fills one with more data than fits in memory (so part of it
# is swapped out), replays a short trace in another, maps a file of
# files/ shared in the third and forks it, and prints what to try next.  The lab stays mounted until `fusermount3 -u MOUNTPOINT`.
set -eu

. "$(dirname "$0")/lab.sh"
lab_find demo-lab

mnt=${1:-lab}
state=${VMLAB_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/vmlab-demo}
mkdir -p "$mnt" "$state"
if mountpoint -q "$mnt"; then
	fusermount3 -u "$mnt"
fi
"$VMLABFS" -o "state=$state" -o mem=4M -o swap=64M "$mnt"
mnt=$(cd "$mnt" && pwd)

echo "spawn filler" >"$mnt/ctl"
filler=$(cat "$mnt/last_pid")
echo "spawn tracer" >"$mnt/ctl"
tracer=$(cat "$mnt/last_pid")

# 8 MiB of data through 4 MiB of memory: half of it goes to swap
echo "mmap 0x10000000 8M rw-" >"$mnt/$filler/ctl"
i=0
while [ $i -lt 8 ]; do
	# each MiB a recognisable text pattern
	yes "vmlab demo: MiB $i of pid $filler" | head -c 1048576 |
		dd of="$mnt/$filler/mem" bs=1M seek=$((0x10000000 / 1048576 + i)) \
			conv=notrunc 2>/dev/null
	i=$((i + 1))
done
echo "mprotect 0x10700000 1M r--" >"$mnt/$filler/ctl"

# a short loop as a lackey trace: code page, 16 data pages, 4 rounds
awk 'BEGIN {
	print "==1== Lackey, an example Valgrind tool"
	for (r = 0; r < 4; r++)
		for (p = 0; p < 16; p++) {
			printf "I  %08x,4\n", 4194304 + p * 4
			printf " L %08x,8\n", 536870912 + p * 4096
			printf " S %08x,8\n", 536870912 + p * 4096 + 64
		}
}' >"$mnt/$tracer/trace"

# a file of files/, mapped shared by a third process, which then forks
printf 'vmlab demo: a line of files/notes\n' >"$mnt/files/notes"
echo "spawn mapper" >"$mnt/ctl"
mapper=$(cat "$mnt/last_pid")
echo "mmap 0x20000000 4K rw- file=notes shared" >"$mnt/$mapper/ctl"
echo "mmap 0x30000000 64K rw- populate" >"$mnt/$mapper/ctl"
printf VMLAB | dd of="$mnt/$mapper/mem" bs=1 seek=$((0x20000000)) \
	conv=notrunc 2>/dev/null
echo fork >"$mnt/$mapper/ctl"
child=$(cat "$mnt/last_pid")

cat <<EOT
A vmlab machine is mounted on $mnt
  $(awk '/MemTotal|SwapTotal/ { printf "%s %s kB  ", $1, $2 }' "$mnt/meminfo")
  pid $filler (filler): 8 MiB written through 4 MiB of memory, part of it swapped
  pid $tracer (tracer): a short loop replayed from a valgrind lackey trace
  pid $mapper (mapper): files/notes mapped shared, then forked: pid $child

Things to try:
  cd $mnt
  cat README
  cat $filler/maps; grep -E 'Vm(RSS|Swap)' $filler/status
  grep -E 'pgfault|pgmajfault|pswp|tlb_' vmstat
  dd if=$filler/mem bs=4096 skip=\$((0x10000000 / 4096)) count=1 2>/dev/null | hexdump -C | head
  od -An -tx8 -j \$((0x10000000 / 4096 * 8)) -N 64 $filler/pagemap   # bit 62: swapped
  ls swap | head; hexdump -C swap/\$(ls swap | head -n 1) | head -3
  cat $filler/translate/0x10000000; cat $filler/pt/entries; ls $filler/pt
  echo 'touch 0xffffffff80000000 1 r' > $tracer/ctl; grep State $tracer/status; tail -n 3 log
  cat tlb; cat config/README
  cat files/notes; cat $mapper/maps; grep -E 'Rss|Shared|Private' $child/smaps | head -8
  echo 'touch 0x30000000 1 w' > $child/ctl; grep -E 'cow_|fork|nr_file|nr_dirty' vmstat

When done:  fusermount3 -u $mnt
EOT
