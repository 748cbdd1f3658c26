#!/bin/sh
# maps, smaps, status, stat, statm and pagemap parsed back and checked
# against what was mapped and touched.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount

pid=$(lab_spawn shapes)
P=$MNT/$pid
echo "mmap 0x10000000 256K rw- populate" >"$P/ctl"
echo "mmap 0x20000000 64K r-x" >"$P/ctl"
echo "mmap 0x30000000 16K rw-" >"$P/ctl"
echo "touch 0x30000000 8K w" >"$P/ctl"
echo "touch 0x7fffffffe000 8 w" >"$P/ctl"

# maps: exact lines, the name at byte 73 (0-based)
grep -q '^10000000-10040000 rw-p 00000000 00:00 0 $' "$P/maps" ||
	fail "maps rw- line: $(cat "$P/maps")"
grep -q '^20000000-20010000 r-xp 00000000 00:00 0 $' "$P/maps" ||
	fail "maps r-x line"
grep -q '^30000000-30004000 rw-p 00000000 00:00 0 $' "$P/maps" ||
	fail "maps third line"
line=$(grep '\[stack\]$' "$P/maps") || fail "no [stack] line"
expect_eq "${line%%-*}" 7ffffffde000 "stack start"
col=$(printf '%s\n' "$line" | awk '{ print index($0, "[stack]") - 1 }')
expect_eq "$col" 73 "column of the stack's name"
expect_eq "$(wc -l <"$P/maps")" 4 "maps lines"

# smaps: one block a mapping, the same keys in each, Rss as touched
awk '/^[0-9a-f]+-[0-9a-f]+ / { b++ } /^Rss:/ { rss[b] = $2 }
     END { printf "%d %d %d %d %d\n", b, rss[1], rss[2], rss[3], rss[4] }' \
	"$P/smaps" >"$T/rss"
expect_eq "$(cat "$T/rss")" "4 256 0 8 4" "smaps blocks and Rss (kB)"
nkeys=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { b++; next } { n[b]++ }
	END { for (i = 1; i <= b; i++) printf "%d ", n[i] }' "$P/smaps")
set -- $nkeys
[ "$1" = "$2" ] && [ "$2" = "$3" ] && [ "$3" = "$4" ] || fail "smaps key counts differ: $nkeys"
grep -q '^Rss:                 256 kB$' "$P/smaps" || fail "smaps value layout: $(grep '^Rss' "$P/smaps" | head -n 1)"
grep -q '^VmFlags: rd wr mr mw me ac' "$P/smaps" || fail "VmFlags: $(grep VmFlags "$P/smaps" | head -n 1)"

# status: Linux's layout, values from the machine
grep -q "^Name:	shapes$" "$P/status" || fail "status Name"
grep -q "^Pid:	$pid$" "$P/status" || fail "status Pid"
grep -q '^VmRSS:	     268 kB$' "$P/status" ||
	fail "VmRSS: $(grep VmRSS "$P/status")"
vmsize=$(awk '/^VmSize:/ { print $2 }' "$P/status")
expect_eq "$vmsize" $((256 + 64 + 16 + 132)) "VmSize (kB)"
grep -q '^VmSwap:	       0 kB$' "$P/status" || fail "VmSwap"
grep -q '^VmPTE:' "$P/status" || fail "VmPTE"

# stat: comm in parentheses, minflt (10), majflt (12), vsize (23), rss (24)
set -- $(cat "$P/stat")
expect_eq "$1" "$pid" "stat pid"
expect_eq "$2" "(shapes)" "stat comm"
expect_eq "$3" R "stat state"
expect_eq "${10}" 67 "stat minflt (64 + 2 + 1)"
expect_eq "${12}" 0 "stat majflt"
expect_eq "${23}" $(((256 + 64 + 16 + 132) * 1024)) "stat vsize"
expect_eq "${24}" 67 "stat rss (pages)"
start=$((0x7ffffffde000))
[ "${28}" -ge "$start" ] && [ "${28}" -lt $((0x7ffffffff000)) ] ||
	fail "startstack ${28} outside [stack]"
set -- $(cat "$P/statm")
expect_eq "$1 $2" "$(((256 + 64 + 16 + 132) / 4)) 67" "statm size resident"

# pagemap: present with the PFN translate/ shows; a hole is zero
e=$(od -An -tx8 -j $((0x10001000 / 4096 * 8)) -N 8 "$P/pagemap" | tr -d ' ')
pfn=$(awk '/^physical/ { print $2 }' "$P/translate/0x10001000")
# present (63), exclusively mapped (56), never soft-dirty (55, as a
# kernel without soft-dirty tracking), and the PFN; compared as text,
# since a shell's arithmetic is signed
expect_eq "$e" "810$(printf '%013x' $((pfn >> 12)))" "pagemap entry of 0x10001000"
e=$(od -An -tx8 -j $((0x20000000 / 4096 * 8)) -N 8 "$P/pagemap" | tr -d ' ')
expect_eq "$e" 0000000000000000 "pagemap of an untouched page"
# unaligned reads are refused
if dd if="$P/pagemap" bs=4 count=1 2>/dev/null | od >/dev/null &&
	[ -n "$(dd if="$P/pagemap" bs=4 count=1 2>/dev/null)" ]; then
	fail "an unaligned pagemap read succeeded"
fi
# phys/buddyinfo: /proc/buddyinfo's line, "Node %d, zone %8s " and then
# "%6lu " an order, 19 orders; the rule is first checked on this
# machine's own lines, which it must rebuild byte for byte
buddy_line() { # NODE ZONE COUNT...: the line as Linux prints it
	n=$1 z=$2
	shift 2
	printf 'Node %s, zone %8s ' "${n%,}" "$z"
	for c in "$@"; do printf '%6s ' "$c"; done
	printf '\n'
}
if [ -r /proc/buddyinfo ]; then
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		set -- $line
		shift 3
		z=$1
		shift
		expect_eq "$(buddy_line "$(printf '%s' "$line" | awk '{ print $2 }')" "$z" "$@")" \
			"$line" "this machine's /proc/buddyinfo rebuilt"
	done </proc/buddyinfo
fi
bi=$(cat "$MNT/phys/buddyinfo")
# shellcheck disable=SC2086
set -- $bi
expect_eq "$#" $((4 + 19)) "buddyinfo fields"
shift 4
expect_eq "$(buddy_line 0 Normal "$@")" "$bi" "buddyinfo line"
free_kb=$(awk '/^MemFree:/ { print $2 }' "$MNT/meminfo")
expect_eq "$(printf '%s\n' "$bi" | awk '{ s = 0; for (k = 0; k < 19; k++) s += $(5 + k) * 2 ^ k; print s * 4 }')" \
	"$free_kb" "buddyinfo blocks against MemFree (kB)"
printf '%s\n' "$bi" | awk '{ s = 0; for (k = 9; k < 19; k++) s += $(5 + k); exit !(s > 0) }' ||
	fail "no free block of order 9 or more: $bi"
exit 0
