#!/bin/bash
# SPDX-License-Identifier: MIT
# run-vm.sh - boot the test guest under QEMU (TCG), networked through passt
#
# Usage: tests/guest/run-vm.sh --socket PATH [--guest DIR] [--script FILE]
#                              [--mac MAC] [--mem MB] [--timeout S]
#
#   --socket PATH   passt's UNIX socket (QEMU connects: -netdev stream)
#   --guest DIR     output of build-initramfs.sh (default: build/guest,
#                   built on first use)
#   --script FILE   shell script run in the guest as /test.sh once the
#                   network is up; its output goes to the console
#   --mac MAC       guest MAC (default 52:54:00:12:34:56)
#   --mem MB        guest memory (default 256)
#   --timeout S     kill QEMU after S seconds (default 120)
#   --add FILE      also put FILE in the guest's /bin (repeatable)
#   --user-net      no socket: QEMU's own -netdev user (libslirp), for
#                   comparison (the benchmark's VM rows)
#   --reconnect S   vhost-user: QEMU reconnects S seconds after the
#                   back-end went (libvirt's reconnect=5)
#   --vhost-user    PATH is a vhost-user back-end's socket (-netdev
#                   vhost-user, guest memory shared through a memfd; no
#                   MSI-X: vhost-user needs vectors=0 under TCG)
#
# The serial console is this script's standard output: the guest prints
# "TT ..." lines there (see tests/guest/init) and powers off when done.
# Exit status: QEMU's, or 124 on timeout. KVM is not used (-accel tcg).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SOCK= GUEST= SCRIPT= MAC=52:54:00:12:34:56 MEM=256 TIMEOUT=120 VU= USERNET= ADD=() RECONNECT=

while [ $# -gt 0 ]; do
	case $1 in
	--socket)	SOCK=$2; shift ;;
	--guest)	GUEST=$2; shift ;;
	--script)	SCRIPT=$2; shift ;;
	--mac)		MAC=$2; shift ;;
	--mem)		MEM=$2; shift ;;
	--timeout)	TIMEOUT=$2; shift ;;
	--vhost-user)	VU=1 ;;
	--user-net)	USERNET=1 ;;
	--reconnect)	RECONNECT=",reconnect=$2"; shift ;;
	--add)		ADD+=("$2"); shift ;;
	*)		echo "run-vm: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$SOCK" ] || [ -n "$USERNET" ] ||
	{ echo "run-vm: --socket PATH is required" >&2; exit 2; }
GUEST=${GUEST:-$REPO/build/guest}
[ -r "$GUEST/initramfs.gz" ] || "$HERE/build-initramfs.sh" "$GUEST" >&2
QEMU=$(command -v qemu-system-x86_64) ||
	{ echo "run-vm: apt-get install qemu-system-x86" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
INITRD=$GUEST/initramfs.gz
if [ -n "$SCRIPT" ] || [ ${#ADD[@]} -gt 0 ]; then
	# Second archive with /test.sh, appended: unpacked after the first
	mkdir -p "$TMP/extra/bin"
	[ -z "$SCRIPT" ] || install -m 755 "$SCRIPT" "$TMP/extra/test.sh"
	for f in "${ADD[@]}"; do install -m 755 "$f" "$TMP/extra/bin/"; done
	(cd "$TMP/extra" && find . -mindepth 1 | sed 's|^\./||' |
		cpio -o -H newc --quiet -R 0:0) |
		gzip -1 > "$TMP/extra.gz"
	cat "$GUEST/initramfs.gz" "$TMP/extra.gz" > "$TMP/initrd.gz"
	INITRD=$TMP/initrd.gz
fi

if [ -n "$VU" ]; then
	NET=(-object "memory-backend-memfd,id=mem0,size=${MEM}M,share=on"
	     -numa node,memdev=mem0
	     -chardev "socket,id=c0,path=$SOCK$RECONNECT"
	     -netdev vhost-user,id=n0,chardev=c0
	     -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=,vectors=0,rx_queue_size=1024,tx_queue_size=1024")
elif [ -n "$USERNET" ]; then
	NET=(-netdev user,id=n0
	     -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=")
else
	NET=(-netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$SOCK"
	     -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=")
fi

set +e
timeout -k 5 "$TIMEOUT" "$QEMU" -accel tcg -machine pc -m "$MEM" -smp 1 \
	-nodefaults -no-user-config -display none -no-reboot \
	-monitor none -serial stdio \
	-kernel "$GUEST/vmlinuz" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off tsc=reliable" \
	"${NET[@]}" </dev/null
rc=$?
exit $rc
