#!/bin/sh
# bench/fs.sh - bandwidth of vmlabfs's PID/mem and of a file of its files/
# against a minimal FUSE server and tmpfs, in one run.
#
# usage: sh bench/fs.sh [BUILDDIR]        (as root)
#
# Four targets, each holding SIZE_MB MiB (default 256):
#   mem      vmlabfs: a process's PID/mem, SIZE_MB MiB mapped rw- populate
#            at 0x100000000 (offset = virtual address; dd seeks in 1 MiB
#            blocks: 0x100000000 / 1 MiB = 4096)
#   files    vmlabfs: files/data, a real file of SIZE_MB MiB (made on the
#            host, sparse, in a backing directory on the run's tmpfs) read
#            once through the mount before anything is timed, so that it
#            is resident in the machine's page cache; the script checks
#            meminfo's Cached before the writes and before the reads.
#            Reads are replied straight from the page-cache frames, writes
#            copied into them (the file is opened direct_io)
#   minimal  bench/fs-minimal: one direct_io file served straight from a
#            buffer, the fastest FUSE server this machine allows
#   tmpfs    a file on a tmpfs mounted for the run (the kernel page cache,
#            no FUSE)
# Both vmlabfs targets are one mount: MEM (1G) holds the mapping and the
# cached file.  Three measurements on each target:
#   write    dd if=/dev/zero bs=1M count=SIZE_MB conv=notrunc
#   read     dd of=/dev/null bs=1M count=SIZE_MB
#   hexdump  hexdump -C of HEX_MB MiB, reading the file itself (through
#            stdio, in 4 KiB reads, so it shows the cost of a request)
# Bandwidth is dd's own byte count over dd's own clock; for hexdump, the
# bytes over the wall time of the command (date +%s.%N around it).  All
# targets hold zeros when hexdump runs, so its output is the same three
# lines everywhere.
#
# How the numbers are kept.  Within a round each measurement is run once
# to warm up, then REPS times, the four targets taking turns in a
# rotating order (so that a slow spell of the host falls on all of them
# alike); the best run counts.  A round mounts fresh servers and writes a
# fresh tmpfs file, and the run keeps each target's best round.  Rounds
# alternate which server starts (and so allocates its memory, the cached
# file's frames included) first: on the virtual machine this was written
# on, the buffer allocated first after a teardown is read 15-30% slower
# (at times half as fast) by the kernel's copy, for as long as it lives, whichever server owns it
# (most likely memory the guest had reported free to its host, through
# virtio-balloon page reporting, coming back in small host pages).  The
# read ratios of every round are printed, with the server started first
# (v or m), to show it.  The table pits each target's best round against
# the others' best; the targets are judged on the rounds' read ratios
# instead, each measured under the same conditions for both servers:
# their geometric mean, in which the cost of starting first cancels (it
# divides the ratio in the rounds vmlabfs starts first, and multiplies it
# in the others; keep ROUNDS even), so that neither server's one lucky
# round decides.
#
# Prints MB/s (10^6 bytes a second) and the ratios vmlabfs/minimal and
# vmlabfs/tmpfs of both vmlabfs targets, then the largest request each
# FUSE server received: the minimal server counts them itself (its
# `stats` file); vmlabfs's are seen with strace on /dev/fuse (reply
# writev = 16 + data, write request read = 80 + data), if strace is
# installed.  Targets: PID/mem reads at least 0.7 of the minimal server,
# files/ at least 0.9 (it is the same path, minus the page walks); each
# is reported met or MISSED, never asserted.
#
# direct_io, and the host's cache.  files/ is opened direct_io, so the
# host kernel keeps no copy and cannot show stale bytes after the machine
# changes a file.  The other way was measured with a prototype (not
# kept): files opened without direct_io and with keep_cache, so that the
# host caches them, auto_inval_data off, and
# fuse_lowlevel_notify_inval_inode on every range a PID/mem write stores
# into through a shared file mapping (the one way the machine changes a
# file's bytes other than by a FUSE write: ctl touch and trace replay set
# A and D bits, not bytes; truncation comes through FUSE, whose kernel
# side drops its own pages).  A 256 MiB file cached in the machine,
# medians of 56 runs (8 rounds of 7, alternating which vmlabfs started
# first; 2 CPUs, Linux 6.18), ratio host cache / direct_io run by run:
#                                  direct_io  host cache   ratio
#   dd bs=1M, host cache empty     4645 MB/s   1791 MB/s    0.39
#   dd bs=1M, repeated             4645 MB/s   5827 MB/s    1.30
#   hexdump, host cache empty       105 MB/s    296 MB/s    2.71
#   hexdump, repeated               105 MB/s    319 MB/s    3.03
# (minimal 6945, tmpfs 5410 MB/s alongside).  The host cache fills
# through 128 KiB readahead requests (the FUSE bdi's read_ahead_kb, which
# a server may lower but not raise) and copies twice; once filled it
# answers as tmpfs does, without a request.  So it loses the first bulk
# read by 2.6x, wins repeated ones by 1.3x (0.5-2.1 run by run) and small
# reads by 3x, and keeps a second copy of every file in host memory.  Above all, the reads it answers never reach the
# machine: after the machine's drop_caches a cat of a 4 MiB file moves
# pgpgin by 0 and leaves Cached at 0 (direct_io: 4096 KiB and 4096 kB),
# and no replacement policy sees those references, so the page cache the
# lab shows would stop seeing the reads it is there to show.  What the
# host cache would bring: mmap of files/ by a host process (direct_io
# refuses it, ENODEV).
#
# Binaries: BUILDDIR (argument, else $BUILDDIR, else the current
# directory)/vmlabfs and BUILDDIR/bench/fs-minimal; the latter is built
# from the source next to this script if it is missing.
#
# Environment: SIZE_MB (256), REPS (5), ROUNDS (4), HEX_MB (16), MEM
# (1G, vmlabfs's physical memory: the mapping and the cached file),
# MINIMAL_OPTS (extra options of the minimal server, e.g. "-o reply=data
# -o recv=splice" for its splice paths).
#
# Every mount is undone and the temporary directory removed on exit,
# including failure and interruption.

set -eu
export LC_ALL=C

SIZE_MB=${SIZE_MB:-256}
REPS=${REPS:-5}
ROUNDS=${ROUNDS:-4}
HEX_MB=${HEX_MB:-16}
MEM=${MEM:-1G}
MINIMAL_OPTS=${MINIMAL_OPTS:-}
VA=4294967296			# 0x100000000
VA_MB=$((VA / 1048576))

BUILD=${1:-${BUILDDIR:-.}}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
VMLABFS=$BUILD/vmlabfs
MINIMAL=$BUILD/bench/fs-minimal

TMP=
FUSE_MNTS=
TMPFS_MNT=
PIDS=

die() {
	echo "fs.sh: $*" >&2
	exit 1
}

# Undoes everything this script set up; safe to run at any point, and
# again after a round already unmounted its servers.
cleanup() {
	set +e
	for m in $FUSE_MNTS; do
		if awk -v m="$m" '$2 == m { f = 1 } END { exit !f }' \
		    /proc/mounts; then
			fusermount3 -u "$m" 2>/dev/null ||
			    fusermount3 -uz "$m" 2>/dev/null
		fi
	done
	if [ -n "$TMPFS_MNT" ]; then
		umount "$TMPFS_MNT" 2>/dev/null || umount -l "$TMPFS_MNT"
	fi
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- setup ----------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "run as root (mounts a tmpfs)"
for t in dd hexdump fusermount3 awk; do
	command -v "$t" >/dev/null || die "$t not found"
done
[ -x "$VMLABFS" ] || die "$VMLABFS not found (make vmlabfs, or give BUILDDIR)"
if [ ! -x "$MINIMAL" ]; then
	echo "fs.sh: building $MINIMAL"
	mkdir -p "$(dirname "$MINIMAL")"
	# shellcheck disable=SC2046
	gcc -O2 -Wall -Wextra -Werror $(pkg-config --cflags fuse3) \
	    -DFUSE_USE_VERSION=34 "$SRCDIR/bench/fs-minimal.c" \
	    $(pkg-config --libs fuse3) -o "$MINIMAL" ||
	    die "cannot build fs-minimal"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-fs.XXXXXX")
mkdir "$TMP/tmpfs"
# the tmpfs file, and the backing directory of files/ (its file is
# written back in full at unmount)
mount -t tmpfs -o size=$((2 * SIZE_MB + SIZE_MB / 4 + 16))M vmlab-bench \
    "$TMP/tmpfs"
TMPFS_MNT=$TMP/tmpfs
TDATA=$TMP/tmpfs/data
FILES=$TMP/tmpfs/files

# Waits until a FUSE server started in the background ($1 = its pid) has
# mounted $2; fails if it exits first.
wait_mount() {
	i=0
	while ! awk -v m="$2" '$2 == m { f = 1 } END { exit !f }' /proc/mounts
	do
		kill -0 "$1" 2>/dev/null || die "server for $2 exited (see its log)"
		i=$((i + 1))
		[ $i -lt 100 ] || die "$2 not mounted after 10 s"
		sleep 0.1
	done
}

# Prints meminfo's Cached of the round's vmlabfs, in KiB.
cached_kb() {
	awk '$1 == "Cached:" { print $2 }' "$R/vmlab/meminfo"
}

# Fails unless files/data is all in vmlabfs's page cache ($1: when).
check_cached() {
	c=$(cached_kb)
	[ "$c" -ge $((SIZE_MB * 1024)) ] ||
	    die "$1: vmlabfs caches $c KiB of the $SIZE_MB MiB file (give more MEM)"
}

start_vmlabfs() {
	rm -rf "$FILES"
	mkdir "$FILES"
	truncate -s "${SIZE_MB}M" "$FILES/data"
	"$VMLABFS" -f -o state="$R/state" -o mem="$MEM" -o swap=0 \
	    -o files="$FILES" "$R/vmlab" >"$R/vmlabfs.log" 2>&1 &
	VPID=$!
	PIDS="$PIDS $VPID"
	FUSE_MNTS="$FUSE_MNTS $R/vmlab"
	wait_mount $VPID "$R/vmlab"
	echo spawn b >"$R/vmlab/ctl"
	pid=$(cat "$R/vmlab/last_pid")
	echo "mmap $VA ${SIZE_MB}M rw- populate" >"$R/vmlab/$pid/ctl"
	VMEM=$R/vmlab/$pid/mem
	VFILE=$R/vmlab/files/data
	dd if="$VFILE" of=/dev/null bs=1M 2>/dev/null # read in: cached
	check_cached "after the first read"
}

start_minimal() {
	# shellcheck disable=SC2086
	"$MINIMAL" -f -o size="${SIZE_MB}M" $MINIMAL_OPTS "$R/minimal" \
	    >"$R/minimal.log" 2>&1 &
	MPID=$!
	PIDS="$PIDS $MPID"
	FUSE_MNTS="$FUSE_MNTS $R/minimal"
	wait_mount $MPID "$R/minimal"
	MDATA=$R/minimal/data
}

# round_up N: mounts round N's servers (VPID, VMEM, VFILE; MPID, MDATA), the
# one started first taking turns, and writes a fresh tmpfs file.
round_up() {
	R=$TMP/r$1
	mkdir "$R" "$R/vmlab" "$R/state" "$R/minimal"
	if [ $(($1 % 2)) -eq 1 ]; then
		start_vmlabfs
		start_minimal
		FIRST=v
	else
		start_minimal
		start_vmlabfs
		FIRST=m
	fi
	rm -f "$TDATA"
	dd if=/dev/zero of="$TDATA" bs=1M count="$SIZE_MB" 2>/dev/null
}

# round_down: unmounts the round's servers and waits for them to exit.
round_down() {
	fusermount3 -u "$R/vmlab"
	fusermount3 -u "$R/minimal"
	wait $VPID $MPID 2>/dev/null || true
}

# ---- measuring ------------------------------------------------------------

# Runs dd "$@" and prints its MB/s, from the byte count and time dd itself
# reports.  dd warns "cannot skip to specified offset" on vmlabfs's mem
# (its size is 0, like /proc/PID/mem) but does seek: only its last line
# is read.
dd_mbps() {
	out=$(dd "$@" 2>&1) || die "dd $*: $out"
	echo "$out" | awk -v want=$((SIZE_MB * 1048576)) '
	    / bytes .* copied, / {
		for (i = 1; i <= NF; i++) if ($i == "s,") s = $(i - 1)
		if ($1 != want) exit 1
		printf "%.0f\n", $1 / s / 1e6; exit 0
	    }' || die "dd $*: moved fewer than $SIZE_MB MiB"
}

# Prints the MB/s of hexdump -C over HEX_MB MiB of file $1 from MiB $2:
# the file is opened once, positioned with dd (hexdump -s skips nothing
# on a file of size 0), and read by hexdump itself.
hex_mbps() {
	exec 3<"$1"
	dd bs=1M skip="$2" count=0 <&3 2>/dev/null
	t0=$(date +%s.%N)
	hexdump -C -n $((HEX_MB * 1048576)) <&3 >/dev/null
	t1=$(date +%s.%N)
	exec 3<&-
	awk -v a="$t0" -v b="$t1" -v n=$((HEX_MB * 1048576)) \
	    'BEGIN { printf "%.0f\n", n / (b - a) / 1e6 }'
}

# run KIND FILE MIB: one measurement of KIND on FILE from MiB MIB.
run() {
	case $1 in
	read)	dd_mbps if="$2" of=/dev/null bs=1M count="$SIZE_MB" skip="$3" ;;
	write)	dd_mbps if=/dev/zero of="$2" bs=1M count="$SIZE_MB" \
		    seek="$3" conv=notrunc ;;
	hexdump) hex_mbps "$2" "$3" ;;
	esac
}

# The file of target $1 (v: PID/mem, f: files/, m: minimal, t: tmpfs)
# and the MiB it starts at.
tfile() {
	case $1 in
	v) echo "$VMEM" ;;
	f) echo "$VFILE" ;;
	m) echo "$MDATA" ;;
	t) echo "$TDATA" ;;
	esac
}
tskip() {
	if [ "$1" = v ]; then echo $VA_MB; else echo 0; fi
}

# measure ROUND KIND: appends "ROUND KIND mem files minimal tmpfs FIRST"
# (each the best of REPS runs after one warm-up) to $TMP/results.  The
# targets take turns, in an order that rotates, so that neither a slow
# spell of the host nor the run before favours one of them.
measure() {
	b_v=0 b_f=0 b_m=0 b_t=0 i=0 best=0
	[ "$2" = write ] || check_cached "before $2"
	while [ $i -le "$REPS" ]; do
		order=$(echo v f m t v f m t |
		    cut -d' ' -f$((i % 4 + 1))-$((i % 4 + 4)))
		for x in $order; do
			mbps=$(run "$2" "$(tfile "$x")" "$(tskip "$x")")
			eval "best=\$b_$x"
			if [ $i -gt 0 ] && [ "$mbps" -gt "$best" ]; then
				eval "b_$x=$mbps"
			fi
		done
		i=$((i + 1))
	done
	echo "$1 $2 $b_v $b_f $b_m $b_t $FIRST" >>"$TMP/results"
}

# Prints the largest read and write request each FUSE server received.
check_requests() {
	awk '{ for (i = 1; i < NF; i++) s[$i] = $(i + 1) }
	    END { printf "requests: minimal largest read %d write %d bytes" \
		  " (its stats)\n", s["max_read_size"], s["max_write_size"] }' \
	    "$R/minimal/stats"
	if ! command -v strace >/dev/null; then
		echo "requests: vmlabfs not checked (no strace)"
		return
	fi
	strace -f -p $VPID -e trace=read,writev -o "$TMP/strace" 2>/dev/null &
	spid=$!
	PIDS="$PIDS $spid"
	sleep 0.5
	dd if="$VMEM" of=/dev/null bs=1M count=4 skip=$VA_MB 2>/dev/null
	dd if=/dev/zero of="$VMEM" bs=1M count=4 seek=$VA_MB conv=notrunc \
	    2>/dev/null
	sleep 0.2
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null || true
	awk '
	    / = [0-9]+$/ && /writev\(|writev resumed/ {
		if ($NF - 16 > r) r = $NF - 16 }
	    / = [0-9]+$/ && / read\(|read resumed/ {
		if ($NF - 80 > w) w = $NF - 80 }
	    END { printf "requests: vmlabfs largest read %d write %d bytes" \
		  " (strace of /dev/fuse)\n", r, w }' "$TMP/strace"
}

echo "fs.sh: $SIZE_MB MiB, bs=1M, hexdump of $HEX_MB MiB; best of $REPS" \
     "after 1 warm-up, in each of $ROUNDS rounds; vmlabfs mem=$MEM;" \
     "$(nproc) CPUs, $(uname -r)"
: >"$TMP/results"
r=1
while [ $r -le "$ROUNDS" ]; do
	round_up $r
	for kind in write read hexdump; do
		measure $r $kind
	done
	[ $r -eq 1 ] && check_requests >"$TMP/requests"
	round_down
	r=$((r + 1))
done

awk '
    function ratio(a, b) { return b ? sprintf("%.2f", a / b) : "-" }
    function best(arr, k, x) { if (x > arr[k]) arr[k] = x }
    # the geometric mean of the n values a[1..n]
    function geomean(a, n,   i, l) {
	for (i = 1; i <= n; i++)
		l += log(a[i])
	return exp(l / n)
    }
    {
	k = $2
	best(v, k, $3); best(f, k, $4); best(m, k, $5); best(t, k, $6)
	if (k == "read" && $5) {
		n++
		vr[n] = $3 / $5; vs = vs sprintf(" %.2f(%s)", vr[n], $7)
		fr[n] = $4 / $5; fs = fs sprintf(" %.2f(%s)", fr[n], $7)
	}
    }
    function row(name, k, x) {
	printf "%-14s %7d %7d %7d %9s %9s\n", name " " k, x[k], m[k],
	    t[k], ratio(x[k], m[k]), ratio(x[k], t[k])
    }
    # the verdict, on the geometric mean of the rounds ratios
    function target(name, x, r, want,   g) {
	g = n ? geomean(r, n) : 0
	printf "target: %s read >= %.2f of minimal: %s (rounds %.2f," \
	    " best against best %s)\n", name, want,
	    (g >= want ? "met" : "MISSED"), g, ratio(x["read"], m["read"])
    }
    END {
	split("write read hexdump", kinds, " ")
	printf "%-14s %7s %7s %7s %9s %9s\n", "MB/s", "vmlabfs",
	    "minimal", "tmpfs", "/minimal", "/tmpfs"
	for (i = 1; i <= 3; i++)
		row("mem", kinds[i], v)
	for (i = 1; i <= 3; i++)
		row("files", kinds[i], f)
	printf "read ratio-minimal by round (started first): mem%s;" \
	    " files%s\n", vs, fs
	target("PID/mem", v, vr, 0.70)
	target("files/", f, fr, 0.90)
    }' "$TMP/results"
cat "$TMP/requests"
