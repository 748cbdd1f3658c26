#!/bin/sh
# exec of real programs of this machine: the lab's maps of each image
# against Linux's own maps of it, stopped at its first instruction with
# randomization off (tests/fs/elfstop); the entry point, AT_PHDR, AT_PHNUM
# and stat's code and data bounds; the code at the entry read through
# 1/mem against the file's bytes; two processes sharing the text frames;
# a refused file leaving the process as it was.
. "${srcdir:-.}/tests/fs/lib.sh"
ELFSTOP=${ELFSTOP:-./tests/fs/elfstop}
[ -x "$ELFSTOP" ] || fail "no $ELFSTOP: build it with make check"
lab_mount -o mem=64M

# image_lines MAPS PATH: "start-end perms offset" of PATH's lines, and of
# an anonymous line that starts where the last of them ends (its bss)
image_lines() {
	awk -v path="$2" '
	$6 == path { print $1, $2, $3; end = $1; sub(/^[^-]*-/, "", end); next }
	NF == 5 && end != "" && index($1, end "-") == 1 { print $1, $2, $3 }
	{ end = "" }' "$1"
}
# field N of a stat line
stat_field() {
	sed 's/.*) //' "$1" | awk -v n="$2" '{ print $(n - 2) }'
}
# the value of auxv entry TYPE in elfstop's output
real_aux() {
	awk -v t="$2" '$1 == "auxv" && $2 == t { print $3 }' "$1"
}
# the types of the auxv entries in elfstop's output, one a line
real_aux_types() {
	awk '$1 == "auxv" { print $2 }' "$1"
}
# LEN bytes at VA of a file (mem), with dd: it seeks where od would read
at() { # FILE VA LEN
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs="$3" \
		2>/dev/null
}
# the u64 at VA in pid's mem, decimal ("" when it cannot be read)
mem_u64() {
	at "$MNT/$1/mem" "$2" 8 | od -An -tu8 | tr -d ' '
}
# the lab's auxv entry TYPE from pid's stack (stat field 28 is argc)
lab_aux() {
	sp=$(stat_field "$MNT/$1/stat" 28)
	at=$((sp + 8 * ($(mem_u64 "$1" "$sp") + 2)))
	n=0
	while [ "$(mem_u64 "$1" "$at")" != 0 ]; do
		at=$((at + 8)) n=$((n + 1))
		[ "$n" -lt 64 ] || fail "pid $1: no end to envp on the stack"
	done
	at=$((at + 8))
	while [ "$n" -lt 128 ]; do
		t=$(mem_u64 "$1" "$at")
		[ "$2" = all ] && echo "$t"
		[ "$t" = "$2" ] && { mem_u64 "$1" $((at + 8)); return; }
		[ -n "$t" ] && [ "$t" != 0 ] || return 0
		at=$((at + 16)) n=$((n + 1))
	done
}

tried=0
for prog in /bin/ls /bin/true /usr/bin/env /sbin/ldconfig; do
	[ -f "$prog" ] || continue
	real=$(readlink -f "$prog")
	name=${prog##*/}
	rc=0
	"$ELFSTOP" "$real" >"$T/linux.$name" 2>"$T/err" || rc=$?
	if [ "$rc" -eq 77 ]; then
		echo "ptrace or personality is refused here: skipped" >&2
		exit 77
	fi
	[ "$rc" -eq 0 ] || fail "elfstop $real: $(cat "$T/err")"
	cp "$prog" "$MNT/files/$name" || fail "cp $prog"
	pid=$(lab_spawn)
	echo "exec files/$name" >"$MNT/$pid/ctl" || fail "exec files/$name"
	expect_eq "$(sed -n 's/^Name:\t//p' "$MNT/$pid/status")" "$name" \
		"$name: the process's name"
	# cmdline: argv, read from the new stack, NUL-terminated
	expect_eq "$(od -An -c "$MNT/$pid/cmdline" | tr -s ' ' | sed 's/^ //')" \
		"$(printf 'files/%s' "$name" | od -An -c | tr -s ' ' | sed 's/^ //; s/$/ \\0/')" \
		"$name: cmdline"
	image_lines "$MNT/$pid/maps" "$MNT/files/$name" >"$T/lab.maps"
	image_lines "$T/linux.$name" "$real" >"$T/linux.maps"
	[ -s "$T/linux.maps" ] || fail "$name: no lines of $real in Linux's maps"
	diff "$T/linux.maps" "$T/lab.maps" >"$T/diff" ||
		fail "$name: maps differ from Linux's: $(cat "$T/diff")"
	expect_eq "$(grep -c '\[heap\]' "$MNT/$pid/maps")" \
		"$(grep -c '\[heap\]' "$T/linux.$name")" "$name: [heap] lines"
	# the entry point, the program headers, as Linux's auxv gives them
	for t in 3 5 9; do
		expect_eq "$(lab_aux "$pid" $t)" "$(real_aux "$T/linux.$name" $t)" \
			"$name: auxv type $t"
	done
	# the same entries in the same order, but AT_SYSINFO_EHDR (33: no
	# vDSO); the host's values where the lab takes the host's
	real_aux_types "$T/linux.$name" | grep -vx 33 >"$T/linux.types"
	lab_aux "$pid" all | grep -vx 0 >"$T/lab.types"
	diff "$T/linux.types" "$T/lab.types" >"$T/diff" ||
		fail "$name: auxv entries differ from Linux's: $(cat "$T/diff")"
	for t in 6 16 17 26 27 28 51; do
		expect_eq "$(lab_aux "$pid" $t)" "$(real_aux "$T/linux.$name" $t)" \
			"$name: auxv type $t"
	done
	entry=$(real_aux "$T/linux.$name" 9)
	grep -q "pid $pid: exec files/$name: .*entry $(printf '0x%x' "$entry")" \
		"$MNT/log" || fail "$name: no log line with the entry point"
	# stat: startcode, endcode, start_data, end_data, start_brk
	sed 's/^stat //' "$T/linux.$name" | grep '^[0-9]* (' >"$T/linux.stat"
	for n in 26 27 45 46 47; do
		expect_eq "$(stat_field "$MNT/$pid/stat" $n)" \
			"$(stat_field "$T/linux.stat" $n)" "$name: stat field $n"
	done
	# the code at the entry point is the file's, at its file offset
	start= off=
	while read -r range perms moff rest; do
		lo=$((0x${range%-*})) hi=$((0x${range#*-}))
		if [ "$lo" -le "$entry" ] && [ "$entry" -lt "$hi" ]; then
			start=$lo off=$((0x$moff))
		fi
	done <"$MNT/$pid/maps"
	[ -n "$start" ] || fail "$name: the entry point is in no region"
	at "$MNT/$pid/mem" "$entry" 64 | od -An -tx1 >"$T/lab.code"
	at "$prog" $((entry - start + off)) 64 | od -An -tx1 >"$T/file.code"
	[ -s "$T/lab.code" ] || fail "$name: nothing read at the entry point"
	cmp -s "$T/lab.code" "$T/file.code" ||
		fail "$name: the bytes at the entry point are not the file's"
	tried=$((tried + 1))
done
[ "$tried" -ge 2 ] || fail "fewer than two programs to try"

# two processes running one file share its text: one frame, mapped twice
# (a copy no other process has mapped)
cp /bin/ls "$MNT/files/ls2" || fail "cp ls2"
a=$(lab_spawn) b=$(lab_spawn)
echo "exec files/ls2" >"$MNT/$a/ctl" || fail "exec in $a"
echo "exec files/ls2" >"$MNT/$b/ctl" || fail "exec in $b"
entry=$(real_aux "$T/linux.ls" 9)
for p in $a $b; do
	echo "touch $entry 1 x" >"$MNT/$p/ctl" || fail "touch the entry in $p"
done
low32() { # FILE INDEX: bits 0..31 of u64 entry INDEX
	echo $(($(dd if="$1" bs=8 skip="$2" count=1 2>/dev/null | od -An -tu4 -N 4)))
}
pa=$(low32 "$MNT/$a/pagemap" $((entry / 4096)))
pb=$(low32 "$MNT/$b/pagemap" $((entry / 4096)))
[ "$pa" -gt 0 ] || fail "the entry page of $a is not present"
expect_eq "$pb" "$pa" "the frame of the entry page in $a and $b"
expect_eq "$(low32 "$MNT/kpagecount" "$pa")" 2 "kpagecount of the text frame"

# a file the loader refuses leaves the process as it was
printf 'not a program\n' >"$MNT/files/text"
pid=$(lab_spawn keep)
echo "mmap 0x10000000 4K rw-" >"$MNT/$pid/ctl"
cat "$MNT/$pid/maps" >"$T/before"
if echo "exec files/text" >"$MNT/$pid/ctl" 2>/dev/null; then
	fail "exec of a text file succeeded"
fi
grep -q "exec: files/text: not an ELF file" "$MNT/log" ||
	fail "no log line naming what is wrong"
cat "$MNT/$pid/maps" | cmp -s "$T/before" - || fail "a refused exec changed maps"
expect_eq "$(sed -n 's/^Name:\t//p' "$MNT/$pid/status")" keep \
	"the name after a refused exec"
