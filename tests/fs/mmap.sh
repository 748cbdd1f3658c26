#!/bin/sh
# File mappings and fork, through the mounted tree: shared and private
# mappings of a files/ file against cat and the backing file; maps, smaps,
# pagemap, kpageflags and kpagecount of file pages; fork's sharing seen in
# kpagecount and status; SIGBUS past the end; pmap -X of a process with
# file mappings, in a private mount namespace over /proc.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount -o mem=16M
F=$MNT/files
B=$T/state/files

# Entries of binary files of little-endian u64s (pagemap, kpageflags,
# kpagecount), read in parts: the shell's arithmetic is signed 64-bit, so
# bit 63 never goes through a number.
entry() { # FILE INDEX: the 8 bytes of entry INDEX (reads 8-aligned)
	dd if="$1" bs=8 skip="$2" count=1 2>/dev/null
}
low32() { # FILE INDEX: bits 0..31 of entry INDEX
	echo $(($(entry "$1" "$2" | od -An -tu4 -N 4)))
}
top8() { # FILE INDEX: bits 56..63 of entry INDEX
	echo $(($(entry "$1" "$2" | od -An -tu1 -j 7 -N 1)))
}
# the PFN of VA in pid's pagemap (the lab's frames fit in 32 bits)
pfn_of() {
	low32 "$MNT/$1/pagemap" $(($2 / 4096))
}
bit_of() { # VALUE BIT
	echo $((($1 >> $2) & 1))
}

# --- a shared mapping: the file and the memory are one ---------------------
head -c 8192 /dev/zero | tr '\0' 'a' >"$F/data"
sync "$F/data" || fail "fsync of files/data"
pid=$(lab_spawn mapper)
echo "mmap 0x20000000 12K rw- file=data shared" >"$MNT/$pid/ctl" ||
	fail "mmap file=data shared"
expect_eq "$(dd if="$MNT/$pid/mem" bs=1 skip=$((0x20000000)) count=4 \
	2>/dev/null)" aaaa "bytes of the file through the mapping"
printf HELLO | dd of="$MNT/$pid/mem" bs=1 seek=$((0x20000000)) \
	conv=notrunc 2>/dev/null || fail "store through the mapping"
expect_eq "$(head -c 6 "$F/data")" HELLOa "cat sees the mapped store"
expect_eq "$(head -c 5 "$B/data")" aaaaa "the host file before msync"
echo "msync 0x20000000 12K" >"$MNT/$pid/ctl" || fail msync
expect_eq "$(head -c 5 "$B/data")" HELLO "the host file after msync"
printf 'via write' | dd of="$F/data" bs=1 seek=4096 conv=notrunc \
	2>/dev/null || fail "write(2)"
expect_eq "$(dd if="$MNT/$pid/mem" bs=1 skip=$((0x20001000)) count=9 \
	2>/dev/null)" "via write" "the mapping sees write(2)"

# maps: the path under the mount, offset, the host's device and inode
line=$(grep '^20000000-20003000' "$MNT/$pid/maps") || fail "no maps line"
ino=$(stat -c %i "$B/data")
set -- $line
expect_eq "$2" rw-s "maps perms of a shared mapping"
expect_eq "$3" 00000000 "maps offset"
expect_eq "$5" "$ino" "maps inode is the backing file's"
expect_eq "$6" "$(cd "$MNT" && pwd -P)/files/data" "maps path"
# smaps: two resident pages, file-backed, no Anonymous
awk '/^20000000-/ { on = 1; next } /^[0-9a-f]+-/ { on = 0 }
     on && $1 ~ /^(Rss|Anonymous|Shared_Dirty|Private_Dirty):$/ {
	printf "%s %s ", $1, $2 }' "$MNT/$pid/smaps" >"$T/smaps"
expect_eq "$(cat "$T/smaps")" \
	"Rss: 8 Shared_Dirty: 0 Private_Dirty: 4 Anonymous: 0 " \
	"smaps of the file mapping (page 0 clean since msync)"
# pagemap bit 61 (file page) and the frame's flags: no ANON (12), MMAP (11)
e=$(top8 "$MNT/$pid/pagemap" $((0x20000000 / 4096)))
expect_eq "$(bit_of "$e" 7)$(bit_of "$e" 5)" 11 "pagemap present+file"
pfn=$(pfn_of "$pid" $((0x20000000)))
kf=$(low32 "$MNT/kpageflags" "$pfn")
expect_eq "$(bit_of "$kf" 12)$(bit_of "$kf" 11)$(bit_of "$kf" 5)" 011 \
	"kpageflags ANON MMAP LRU of a file page"
expect_eq "$(low32 "$MNT/kpagecount" "$pfn")" 1 "kpagecount before fork"

# past the end of the file (page 2 of a 2-page file): PID/mem says EIO
if dd if="$MNT/$pid/mem" bs=1 skip=$((0x20002000)) count=1 \
	of=/dev/null 2>"$T/err"; then fail "a read past EOF succeeded"; fi
grep -q 'Input/output error' "$T/err" || fail "past EOF: $(cat "$T/err")"

# refusals name the path and why
for l in "file=/etc/passwd" "file=../../etc/passwd"; do
	if echo "mmap 0x60000000 4K r-- $l shared" >"$MNT/$pid/ctl" 2>/dev/null
	then fail "mmap $l was taken"; fi
done
grep -q "mmap: file=/etc/passwd: a path inside files/ is relative" \
	"$MNT/log" || fail "absolute path refusal: $(tail -n 2 "$MNT/log")"
grep -q "mmap: file=../../etc/passwd: '..' may not leave files/" \
	"$MNT/log" || fail "'..' refusal: $(tail -n 2 "$MNT/log")"

# --- a private mapping of the same file ------------------------------------
echo "mmap 0x30000000 8K rw- file=data private" >"$MNT/$pid/ctl" ||
	fail "mmap private"
expect_eq "$(dd if="$MNT/$pid/mem" bs=1 skip=$((0x30000000)) count=5 \
	2>/dev/null)" HELLO "private mapping reads the file"
printf mine | dd of="$MNT/$pid/mem" bs=1 seek=$((0x30000000)) \
	conv=notrunc 2>/dev/null || fail "private store"
expect_eq "$(head -c 5 "$F/data")" HELLO "private store stays private"
expect_eq "$(awk '$1 == "cow_break" { print $2 }' "$MNT/vmstat")" 1 \
	"cow_break of the private store"
expect_eq "$(grep '^30000000-' "$MNT/$pid/maps" | awk '{ print $2 }')" \
	rw-p "maps perms of a private mapping"

# --- fork: the child shares every page -------------------------------------
echo "mmap 0x40000000 16K rw- populate" >"$MNT/$pid/ctl" || fail "anon map"
printf parent | dd of="$MNT/$pid/mem" bs=1 seek=$((0x40000000)) \
	conv=notrunc 2>/dev/null
before=$(awk '$1 == "pgalloc_normal" { print $2 }' "$MNT/vmstat")
echo fork >"$MNT/$pid/ctl" || fail fork
child=$(cat "$MNT/last_pid")
[ "$child" -gt "$pid" ] || fail "last_pid after fork: $child"
after=$(awk '$1 == "pgalloc_normal" { print $2 }' "$MNT/vmstat")
# page tables only, no data frame: the child's root and PDPT, the PD of
# the first GiB with the leaf tables of 0x2.. and 0x3.., and the PD of
# the second GiB with the leaf table of 0x4.. (the stack was never touched)
expect_eq "$((after - before))" 7 "frames allocated by fork"
expect_eq "$(awk '$1 == "PPid:" { print $2 }' "$MNT/$child/status")" \
	"$pid" "the child's PPid"
expect_eq "$(awk '$1 == "Name:" { print $2 }' "$MNT/$child/status")" \
	mapper "the child's name"
apfn=$(pfn_of "$pid" $((0x40000000)))
expect_eq "$(pfn_of "$child" $((0x40000000)))" "$apfn" "one frame, two PTEs"
expect_eq "$(low32 "$MNT/kpagecount" "$apfn")" 2 "kpagecount after fork"
expect_eq "$(low32 "$MNT/kpagecount" "$pfn")" 2 "file page after fork"
printf child | dd of="$MNT/$child/mem" bs=1 seek=$((0x40000000)) \
	conv=notrunc 2>/dev/null || fail "child store"
expect_eq "$(awk '$1 == "cow_break" { print $2 }' "$MNT/vmstat")" 2 \
	"cow_break after the child's store"
expect_eq "$(dd if="$MNT/$pid/mem" bs=1 skip=$((0x40000000)) count=6 \
	2>/dev/null)" parent "the parent keeps its bytes"
expect_eq "$(low32 "$MNT/kpagecount" "$apfn")" 1 "kpagecount after COW"
printf again | dd of="$MNT/$pid/mem" bs=1 seek=$((0x40000000)) \
	conv=notrunc 2>/dev/null || fail "parent store"
expect_eq "$(awk '$1 == "cow_reuse" { print $2 }' "$MNT/vmstat")" 1 \
	"the parent, alone now, reuses its page"
# a shared file page stays shared: the child's store shows in the file
printf CHILD | dd of="$MNT/$child/mem" bs=1 seek=$((0x20000000)) \
	conv=notrunc 2>/dev/null || fail "child's shared store"
expect_eq "$(head -c 5 "$F/data")" CHILD "the child's shared store"

# --- truncate: SIGBUS for the process's own access past the new end --------
truncate -s 100 "$F/data" || fail truncate
echo "touch 0x20001000 1 r" >"$MNT/$child/ctl"
expect_eq "$(awk '$1 == "State:" { print $2 }' "$MNT/$child/status")" Z \
	"the child died of its access past EOF"
grep -q "pid $child: user read at 0x20001000 refused: file page past the end of the file.*killed with SIGBUS" \
	"$MNT/log" || fail "SIGBUS log line: $(tail -n 3 "$MNT/log")"
expect_eq "$(awk '$1 == "sigbus" { print $2 }' "$MNT/vmstat")" 1 sigbus

# a trace's access past the end names SIGBUS too
tr=$(lab_spawn tracer)
echo "mmap 0x50000000 8K r-- file=data shared" >"$MNT/$tr/ctl" || fail "map"
grep -q 'file page past the end of the file: SIGBUS on access' \
	"$MNT/$tr/translate/0x50001000" ||
	fail "translate/ past EOF: $(cat "$MNT/$tr/translate/0x50001000")"
if echo "r 0x50001000" >"$MNT/$tr/trace" 2>/dev/null; then
	fail "a trace past EOF was taken"
fi
grep -q "pid $tr trace: line 1: the access killed the process (SIGBUS)" \
	"$MNT/log" || fail "trace SIGBUS line: $(tail -n 2 "$MNT/log")"

# --- pmap -X of a process with file mappings -------------------------------
if unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount --bind '$MNT' /proc && pmap -X $pid" \
		>"$T/pmapx" 2>&1 || fail "pmap -X: $(cat "$T/pmapx")"
	grep -q "^ *20000000 rw-s 00000000 .* $ino .* data$" "$T/pmapx" ||
		fail "pmap -X lacks the shared file mapping: $(cat "$T/pmapx")"
	grep -q "^ *30000000 rw-p 00000000 .* $ino .* data$" "$T/pmapx" ||
		fail "pmap -X lacks the private file mapping: $(cat "$T/pmapx")"
fi

# --- drop_caches and the unmount's write-back ------------------------------
printf 'unsynced' | dd of="$F/data" bs=1 seek=10 conv=notrunc 2>/dev/null
echo drop_caches >"$MNT/ctl" || fail drop_caches
grep -q 'drop_caches: [0-9]* page-cache pages dropped' "$MNT/log" ||
	fail "drop_caches log line"
head -c 16384 /dev/zero >"$F/clean" && sync "$F/clean" || fail "files/clean"
cat "$F/clean" >/dev/null
cached=$(awk '$1 == "Cached:" { print $2 }' "$MNT/meminfo")
echo 3 >"$MNT/config/drop_caches" || fail "echo 3 > config/drop_caches"
[ "$(awk '$1 == "Cached:" { print $2 }' "$MNT/meminfo")" -lt "$cached" ] ||
	fail "config/drop_caches dropped nothing"
if echo 4 >"$MNT/config/drop_caches" 2>/dev/null; then
	fail "drop_caches took 4"
fi
lab_unmount
expect_eq "$(dd if="$B/data" bs=1 skip=10 count=8 2>/dev/null)" unsynced \
	"unmount wrote the dirty page back"
exit 0
