#!/bin/sh
# Linux's own tools read the lab: procps pmap and pmap -X, run in a private
# mount namespace with the mount bound over /proc.
. "${srcdir:-.}/tests/fs/lib.sh"
command -v pmap >/dev/null || fail "pmap (procps) is not installed"
need_unshare
lab_mount

pid=$(lab_spawn pmapme)
echo "mmap 0x10000000 256K rw- populate" >"$MNT/$pid/ctl"
echo "mmap 0x20000000 64K r-x" >"$MNT/$pid/ctl"
echo "touch 0x7fffffffe000 8 w" >"$MNT/$pid/ctl"

unshare -m sh -c "mount --bind '$MNT' /proc && pmap $pid" >"$T/pmap" 2>&1 ||
	fail "pmap: $(cat "$T/pmap")"
unshare -m sh -c "mount --bind '$MNT' /proc && pmap -X $pid" >"$T/pmapx" 2>&1 ||
	fail "pmap -X: $(cat "$T/pmapx")"

# pmap: "PID:   NAME", a line a mapping, a total
head -n 1 "$T/pmap" | grep -q "^$pid: *pmapme" || fail "pmap header: $(head -n 1 "$T/pmap")"
grep -q '^0000000010000000 *256K rw--- *\[ anon \]' "$T/pmap" ||
	fail "pmap lacks the 256K mapping: $(cat "$T/pmap")"
grep -q '^0000000020000000 *64K r-x-- *\[ anon \]' "$T/pmap" ||
	fail "pmap lacks the r-x mapping: $(cat "$T/pmap")"
grep -q ' \[ stack \]' "$T/pmap" || fail "pmap does not label the stack"
grep -q ' total *' "$T/pmap" || fail "pmap total"

# pmap -X: smaps columns; Rss of the populated mapping is 256 (kB)
awk '$1 == "10000000" { print $6 }' "$T/pmapx" >"$T/rss"
expect_eq "$(cat "$T/rss")" 256 "pmap -X Rss of the populated mapping"
grep -q '\[stack\]' "$T/pmapx" || fail "pmap -X stack label: $(cat "$T/pmapx")"
exit 0
