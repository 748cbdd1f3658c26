#!/bin/sh
# The golden comparison: this machine's own /proc files side by side with
# the lab's, line by line.  Every key, its order, the separator after it
# and the width of its field must agree; values are left aside.  When the
# kernel this runs on prints a new key, drops one or pads a field another
# way, this test fails and names the line.
#
# Compared: meminfo, vmstat, swaps, and for a real process (holdmem, which
# maps shared and private anonymous memory) status, maps, smaps,
# smaps_rollup (when the lab has it), stat and statm.
#
# Keys one side has on purpose and the other lacks are listed below, and
# the same lists are in vmlab(7), DIFFERENCES FROM LINUX.
. "${srcdir:-.}/tests/fs/lib.sh"

# vmstat keys of the lab's own: its counters and gauges, after Linux's
LAB_ONLY_VMSTAT="accesses tlb_hit tlb_miss tlb_flush tlb_shootdown walk_refs
demand_zero prot_fault segv sigbus pt_alloc pt_free cow_break cow_reuse
swap_clean fork clock_ns swap_stored swap_disk_bytes"
# keys this kernel prints that the lab leaves out (none today)
REAL_ONLY_VMSTAT=""
REAL_ONLY_MEMINFO=""
REAL_ONLY_STATUS=""
REAL_ONLY_SMAPS=""

HOLDMEM=${HOLDMEM:-./tests/fs/holdmem}
[ -x "$HOLDMEM" ] || fail "no $HOLDMEM (make check builds it)"
for f in meminfo vmstat swaps self/status; do
	[ -r "/proc/$f" ] || fail "this machine has no /proc/$f"
done

HPID=
golden_cleanup() {
	rc=$?
	[ -z "$HPID" ] || kill "$HPID" 2>/dev/null || true
	(exit "$rc")
	lab_cleanup
}
trap golden_cleanup EXIT

lab_mount -o mem=16M -o swap=4M

# the real process, waited for until its pages are written
"$HOLDMEM" >"$T/hold.out" &
HPID=$!
i=0
until grep -q ready "$T/hold.out" 2>/dev/null; do
	kill -0 "$HPID" 2>/dev/null || fail "holdmem exited"
	i=$((i + 1))
	[ "$i" -lt 200 ] || fail "holdmem did not start"
	sleep 0.05
done
R=/proc/$HPID

# the lab's process, with the same kinds of memory
pid=$(lab_spawn golden)
L=$MNT/$pid
echo "mmap 0x10000000 16K rw- shared populate" >"$L/ctl" || fail "mmap shared"
echo "mmap 0x20000000 16K rw- populate" >"$L/ctl" || fail "mmap private"

# snapshots: each file read once
for f in meminfo vmstat swaps; do
	cat "/proc/$f" >"$T/real.$f" || fail "read /proc/$f"
	cat "$MNT/$f" >"$T/lab.$f" || fail "read lab $f"
done
for f in status maps smaps stat statm; do
	cat "$R/$f" >"$T/real.$f" || fail "read $R/$f"
	cat "$L/$f" >"$T/lab.$f" || fail "read lab $pid/$f"
done
rollup=no
if [ -e "$L/smaps_rollup" ]; then
	rollup=yes
	cat "$R/smaps_rollup" >"$T/real.smaps_rollup" || fail "read rollup"
	cat "$L/smaps_rollup" >"$T/lab.smaps_rollup" || fail "read lab rollup"
fi

# keys FILE SEPARATOR ALLOWED: the keys of a "key<sep>value" file in
# order, less those allowed to be missing on the other side
keys() {
	awk -v sep="$2" -v allow="$3" '
		BEGIN { n = split(allow, a, /[ \n]+/); for (i = 1; i <= n; i++) skip[a[i]] = 1 }
		{ k = substr($0, 1, index($0, sep) - 1); if (!(k in skip)) print k }' "$1"
}

# same_keys WHAT SEP REAL_ONLY LAB_ONLY: one key list, in one order
same_keys() {
	keys "$T/real.$1" "$2" "$3" >"$T/keys.real"
	keys "$T/lab.$1" "$2" "$4" >"$T/keys.lab"
	diff -u "$T/keys.real" "$T/keys.lab" >"$T/keys.diff" ||
		fail "$1: keys differ from this kernel's (- real, + lab):
$(cat "$T/keys.diff")"
}

# kv_shape: for every "Key:<blanks>value" line, the key and the shape of
# the rest: a right-aligned number by the column it ends at (a number
# wider than its 8 columns, or with one blank or none before it, as
# "wide"),
# digits as #, the hex of fixed-width masks as h, and free text as *.
KV_SHAPE='
function shape(k, rest,    sp, d, s) {
	if (k ~ /^(Name|State|Speculation_Store_Bypass|SpeculationIndirectBranch|Cpus_allowed|Cpus_allowed_list|Mems_allowed_list|Groups)$/)
		return substr(rest, 1, 1) "*"
	if (match(rest, /^\t? *[0-9]+( kB)?$/) && rest !~ /^\t[0-9]+$/) {
		s = rest; sub(/^\t/, "", s)
		sp = match(s, /[0-9]/) - 1
		d = s; sub(/ kB$/, "", d); sub(/^ +/, "", d)
		return (rest ~ /^\t/ ? "\t" : "") (sp <= 1 || length(d) > 8 ? "wide" : "end" (length(k) + 1 + sp + length(d))) (rest ~ / kB$/ ? " kB" : "")
	}
	if (k ~ /^(Sig(Pnd|Blk|Ign|Cgt)|ShdPnd|Cap(Inh|Prm|Eff|Bnd|Amb)|untag_mask|Umask|Mems_allowed)$/) {
		gsub(/[0-9a-fx]/, "h", rest)
		return rest
	}
	gsub(/[0-9]+/, "#", rest)
	return rest
}
{
	c = index($0, ":")
	if (c == 0) { print "NOKEY " $0; next }
	k = substr($0, 1, c - 1)
	print k "\t" shape(k, substr($0, c + 1))
}'

# same_shapes WHAT: each key common to both sides has the same shape
same_shapes() {
	awk "$KV_SHAPE" "$T/real.$1" >"$T/shape.real"
	awk "$KV_SHAPE" "$T/lab.$1" >"$T/shape.lab"
	awk -F'\t' -v what="$1" '
		NR == FNR { real[$1] = $0; next }
		!($1 in real) { next }
		real[$1] != $0 && !(real[$1] ~ /wide/ || $0 ~ /wide/) {
			printf "%s: %s: real \"%s\", lab \"%s\"\n", what, $1, real[$1], $0
			bad = 1
		}
		END { exit bad }' "$T/shape.real" "$T/shape.lab" >"$T/shape.diff" ||
		fail "$(cat "$T/shape.diff")"
}

# ---- meminfo, vmstat, swaps ----------------------------------------------
same_keys meminfo : "$REAL_ONLY_MEMINFO" ""
same_shapes meminfo

same_keys vmstat " " "$REAL_ONLY_VMSTAT" "$LAB_ONLY_VMSTAT"
for f in real lab; do
	bad=$(grep -Evc '^[a-z0-9_]+ [0-9]+$' "$T/$f.vmstat") || true
	expect_eq "$bad" 0 "$f vmstat lines that are not 'name number'"
done

expect_eq "$(sed -n 1p "$T/lab.swaps")" "$(sed -n 1p "$T/real.swaps")" \
	"swaps header"
# a data line: the name padded to 40, "file" or "partition", then Size,
# Used and Priority, each number followed by a second tab while short
SWAPS_SHAPE='NR > 1 {
	i = match($0, / +(file|partition)\t/)
	if (i == 0) { print "BAD " $0; next }
	rest = substr($0, i)
	sub(/^ +/, "", rest)
	t = length($0) - length(rest) + 1	# where the type starts
	gsub(/[0-9]+/, "#", rest)
	print ((i - 1 < 40 ? t == 41 : t == i + 1) ? "pad" : "BADPAD") " " rest
}'
awk "$SWAPS_SHAPE" "$T/lab.swaps" >"$T/swaps.lab"
awk "$SWAPS_SHAPE" "$T/real.swaps" >"$T/swaps.real"
grep -qx 'pad file		#		#		-#' "$T/swaps.lab" ||
	fail "lab swaps line: $(cat "$T/swaps.lab")"
if [ -s "$T/swaps.real" ] &&
	grep -vqx -e 'pad file		#		#		-\{0,1\}#' \
		-e 'pad partition	#		#		-\{0,1\}#' "$T/swaps.real"; then
	fail "this kernel's swaps lines: $(cat "$T/swaps.real")"
fi

# ---- status, stat, statm -------------------------------------------------
same_keys status : "$REAL_ONLY_STATUS" ""
same_shapes status

# stat: 52 fields, comm in parentheses, one state letter, numbers
STAT_SHAPE='{
	l = $0
	o = index(l, " ("); c = match(l, /\) [A-Z] /)
	if (o == 0 || c == 0) { print "BAD"; exit }
	head = substr(l, 1, o - 1); tail = substr(l, c + 4)
	n = split(tail, f, " ")
	s = (head ~ /^[0-9]+$/ ? "#" : "?") " (c) S"
	for (i = 1; i <= n; i++) s = s " " (f[i] ~ /^-?[0-9]+$/ ? "#" : "?")
	print n + 3 " " s
}'
expect_eq "$(awk "$STAT_SHAPE" "$T/lab.stat")" "$(awk "$STAT_SHAPE" "$T/real.stat")" \
	"stat fields"
expect_eq "$(awk "$STAT_SHAPE" "$T/real.stat" | cut -d' ' -f1)" 52 \
	"this kernel's stat fields"
statm_shape() { sed 's/[0-9][0-9]*/#/g' "$1"; }
expect_eq "$(statm_shape "$T/lab.statm")" "$(statm_shape "$T/real.statm")" \
	"statm fields"

# ---- maps ----------------------------------------------------------------
# The rules of show_map_vma(), checked on every line of both sides: at
# least 8 hex digits each side of '-', four permission letters, an
# 8-digit offset, major:minor in 2 digits each, the inode, then either
# "inode " and the end, or the name at byte 73 (after one blank when the
# header is longer).
MAPS_RULES='BEGIN {
	H2 = "[0-9a-f][0-9a-f][0-9a-f]*"
	H8 = H2 H2 H2 H2
}
{
	if (!match($0, "^" H8 "-" H8 " [-r][-w][-x][ps] " H8 " " H2 ":" H2 " [0-9]+ ")) {
		print FILENAME ": bad header: " $0; next
	}
	h = RLENGTH
	if (length($0) == h) next
	want = h < 73 ? 73 : h
	name = substr($0, want + 1)
	if (substr($0, h + 1, want - h) !~ /^ *$/ || name ~ /^ / || name == "")
		print FILENAME ": name not at byte " want ": " $0
}'
for f in real lab; do
	awk "$MAPS_RULES" "$T/$f.maps" >"$T/maps.bad"
	[ ! -s "$T/maps.bad" ] || fail "$(cat "$T/maps.bad")"
done
# a shared anonymous region: the same device and name; the inode its own
shm_line() {
	grep ' rw-s 00000000 [0-9a-f]*:[0-9a-f]* [0-9]* *\/dev\/zero (deleted)$' "$1" |
		head -n 1 | awk '{ print $2, $3, $4, $6, $7 }'
}
real_shm=$(shm_line "$T/real.maps")
[ -n "$real_shm" ] || fail "this kernel shows shared anonymous memory another way:
$(cat "$T/real.maps")"
expect_eq "$(shm_line "$T/lab.maps")" "$real_shm" "shared anonymous maps line"
expect_eq "$(grep -c '\[stack\]$' "$T/lab.maps")" 1 "lab [stack] line"

# ---- smaps, smaps_rollup -------------------------------------------------
# smaps_keys FILE: per block, its keys and their shapes on one line
SMAPS_BLOCKS='
/^[0-9a-f]+-[0-9a-f]+ / { if (b != "") print b; b = "HDR"; next }
/^VmFlags:/ {
	b = b "|VmFlags:" ($0 ~ /^VmFlags:( [a-z][a-z0-9])+ $/ ? "ok" : "BAD")
	next
}
{
	c = index($0, ":"); k = substr($0, 1, c - 1); r = substr($0, c + 1)
	sp = match(r, /[0-9]/) - 1
	d = r; sub(/^ +/, "", d); sub(/ kB$/, "", d)
	b = b "|" k (r ~ /^ +[0-9]+( kB)?$/ ? \
		(sp <= 1 || length(d) > 8 ? "=wide" : "=" (c + sp + length(d))) (r ~ / kB$/ ? "kB" : "") : "=" r)
}
END { if (b != "") print b }'
awk "$SMAPS_BLOCKS" "$T/real.smaps" | sort -u >"$T/smaps.real"
awk "$SMAPS_BLOCKS" "$T/lab.smaps" | sort -u >"$T/smaps.lab"
for s in $REAL_ONLY_SMAPS; do
	sed -i "s/|$s=[^|]*//" "$T/smaps.real"
done
sed -i 's/=wide/=24/g' "$T/smaps.real" "$T/smaps.lab"
sort -u -o "$T/smaps.real" "$T/smaps.real"
sort -u -o "$T/smaps.lab" "$T/smaps.lab"
expect_eq "$(wc -l <"$T/smaps.real" | tr -d ' ')" 1 \
	"this kernel's smaps blocks share one layout ($(cat "$T/smaps.real"))"
expect_eq "$(cat "$T/smaps.lab")" "$(cat "$T/smaps.real")" "smaps block layout"
# VmFlags of the regions both sides have: the stack and shared memory
vmflags_after() {
	awk -v pat="$2" '$0 ~ pat { b = 1; next }
		/^[0-9a-f]+-[0-9a-f]+ / { b = 0 }
		b && /^VmFlags:/ { print; exit }' "$1"
}
for pat in '\[stack\]$' '/dev/zero \(deleted\)$'; do
	expect_eq "$(vmflags_after "$T/lab.smaps" "$pat")" \
		"$(vmflags_after "$T/real.smaps" "$pat")" "VmFlags of $pat"
done

if [ "$rollup" = yes ]; then
	awk "$SMAPS_BLOCKS" "$T/real.smaps_rollup" | sed 's/=wide/=24/g' >"$T/roll.real"
	awk "$SMAPS_BLOCKS" "$T/lab.smaps_rollup" | sed 's/=wide/=24/g' >"$T/roll.lab"
	expect_eq "$(cat "$T/roll.lab")" "$(cat "$T/roll.real")" "smaps_rollup layout"
	for f in real lab; do
		grep -Eq '^[0-9a-f]{8,}-[0-9a-f]{8,} ---p 00000000 00:00 0 {26,}\[rollup\]$' \
			"$T/$f.smaps_rollup" || fail "$f smaps_rollup header"
	done
fi
exit 0
