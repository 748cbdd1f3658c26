# lab.sh - what every lab in examples/ shares: finding vmlabfs, a private
# temporary directory, and a mount that is always undone.
#
# A lab sources it and mounts:   . "$(dirname "$0")/lab.sh"
#                                lab_start NAME [vmlabfs options]
# lab_start sets tmp (the private directory) and lab (the mount point) and
# installs a trap that unmounts and removes both at exit, also on failure
# or Ctrl-C; on a failure it shows the last lines of the lab's log.
# vmlabfs is $VMLABFS if set, else ../build/vmlabfs or ../vmlabfs next to
# the lab, else vmlabfs from PATH.

lab_here=$(cd "$(dirname "$0")" && pwd)

# Sets VMLABFS, or fails naming the lab.
lab_find() {
	if [ -z "${VMLABFS:-}" ]; then
		for c in "$lab_here/../build/vmlabfs" "$lab_here/../vmlabfs" \
			"$(command -v vmlabfs || true)"; do
			if [ -n "$c" ] && [ -x "$c" ]; then
				VMLABFS=$c
				break
			fi
		done
	fi
	if [ -z "${VMLABFS:-}" ]; then
		echo "$1: vmlabfs not found (build it first, or set VMLABFS)" >&2
		exit 1
	fi
}

lab_cleanup() {
	rc=$?
	trap - EXIT
	if mountpoint -q "$lab" 2>/dev/null; then
		if [ "$rc" -ne 0 ] && [ -z "$lab_interrupted" ]; then
			echo "$lab_name: failed; the last lines of the lab's log:" >&2
			tail -n 5 "$lab/log" >&2 || true
		fi
		fusermount3 -u "$lab" 2>/dev/null || umount -l "$lab" 2>/dev/null || true
	fi
	if mountpoint -q "$lab" 2>/dev/null; then
		echo "$lab_name: could not unmount $lab" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}

# lab_start NAME [OPTION...]: mounts a fresh machine on $lab.
lab_start() {
	lab_name=$1
	shift
	lab_find "$lab_name"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-$lab_name.XXXXXX")
	lab=$tmp/lab
	lab_interrupted=
	trap lab_cleanup EXIT
	trap 'lab_interrupted=1; exit 1' INT TERM HUP
	mkdir "$lab"
	"$VMLABFS" -o "state=$tmp/state" "$@" "$lab"
}

# lab_vmstat KEY: the value of one line of the lab's vmstat.
lab_vmstat() {
	awk -v k="$1" '$1 == k { print $2 }' "$lab/vmstat"
}

# lab_resident PID BASE N FIRST: which of the N pages from address BASE
# are in memory (pagemap bit 63), numbered from FIRST; "-" for none.
lab_resident() {
	dd if="$lab/$1/pagemap" bs=8 skip=$(($2 / 4096)) count="$3" status=none |
		od -An -v -tu1 |
		awk -v first="$4" '{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END {
			s = ""
			for (p = 0; p * 8 < n; p++)
				if (b[p * 8 + 7] >= 128)
					s = s (s == "" ? "" : " ") p + first
			print (s == "" ? "-" : s)
		}'
}

# lab_pfns PID BASE N: the frame of each of the N pages from address BASE,
# one a line, from PID/pagemap (the PFN in bits 0-54 when bit 63, present,
# is set); "-" for a page not in memory.
lab_pfns() {
	dd if="$lab/$1/pagemap" bs=8 skip=$(($2 / 4096)) count="$3" status=none |
		od -An -v -tu1 |
		awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END {
			for (p = 0; p * 8 < n; p++) {
				if (b[p * 8 + 7] < 128) {
					print "-"
					continue
				}
				pfn = b[p * 8 + 6] % 128
				for (i = 5; i >= 0; i--)
					pfn = pfn * 256 + b[p * 8 + i]
				printf "%.0f\n", pfn
			}
		}'
}

# lab_kpagecount: kpagecount, the number of PTEs mapping each frame, one
# line per PFN from 0.
lab_kpagecount() {
	od -An -v -tu8 "$lab/kpagecount" | awk '{ for (i = 1; i <= NF; i++) print $i }'
}
