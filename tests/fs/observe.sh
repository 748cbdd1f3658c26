#!/bin/sh
# The access/observation rule: reading every observation file of a busy
# lab changes no counter, no TLB entry and no A/D bit.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount -o mem=2M -o swap=8M

pid=$(lab_spawn busy)
echo "mmap 0x10000000 4M rw-" >"$MNT/$pid/ctl"
head -c $((3 << 20)) /dev/urandom |
	dd of="$MNT/$pid/mem" bs=64K seek=$((0x10000000 / 65536)) conv=notrunc \
		2>/dev/null || fail "fill"
echo "touch 0x10000000 8K r" >"$MNT/$pid/ctl"
pid2=$(lab_spawn idle)
echo "mmap auto 64K rw- populate" >"$MNT/$pid2/ctl"

snapshot() { # DIR
	mkdir -p "$1"
	cp "$MNT/vmstat" "$1/vmstat"
	cp "$MNT/tlb" "$1/tlb"
	cp "$MNT/phys/frames" "$1/frames"
	cat "$MNT/$pid/pt/entries" >"$1/pt"
	for d in $(ls "$MNT/$pid/pt" | grep -v '^[a-z]'); do
		find "$MNT/$pid/pt/$d" -name entries -exec cat {} + >>"$1/pt"
	done
	od -An -tx8 -v "$MNT/kpageflags" >"$1/kpageflags"
}
snapshot "$T/a"
# every observation file, twice over
for round in 1 2; do
	for f in README vmstat meminfo swaps uptime last_pid tlb \
		config/policy config/README phys/frames; do
		cat "$MNT/$f" >/dev/null || fail "read $f"
	done
	od -An -tx1 "$MNT/phys/mem" | tail -n 1 >/dev/null
	od -An -tx8 "$MNT/kpageflags" >/dev/null
	od -An -tx8 "$MNT/kpagecount" >/dev/null
	for p in $pid $pid2; do
		for f in maps smaps status stat statm cmdline limit; do
			cat "$MNT/$p/$f" >/dev/null || fail "read $p/$f"
		done
		dd if="$MNT/$p/pagemap" bs=8 skip=$((0x10000000 / 4096)) \
			count=1024 2>/dev/null | od -An -tx8 >/dev/null
		find "$MNT/$p/pt" -type f -exec cat {} + >/dev/null
		cat "$MNT/$p/translate/0x10000000" "$MNT/$p/translate/0x10100000" \
			"$MNT/$p/translate/0xffffffff80000000" >/dev/null
	done
	for s in $(ls "$MNT/swap" | head -n 20); do
		cat "$MNT/swap/$s" >/dev/null
	done
done
snapshot "$T/b"
for f in vmstat tlb frames pt kpageflags; do
	cmp "$T/a/$f" "$T/b/$f" || fail "$f changed by observing: $(diff "$T/a/$f" "$T/b/$f" | head -n 5)"
done
# and the snapshot itself is not empty
grep -q ' A' "$T/a/pt" || fail "no A bits to compare"
[ "$(wc -l <"$T/a/tlb")" -gt 1 ] || fail "no TLB entries to compare"
exit 0
