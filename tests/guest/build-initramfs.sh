#!/bin/bash
# SPDX-License-Identifier: MIT
# build-initramfs.sh - a bootable test guest from Debian packages only
#
# Usage: tests/guest/build-initramfs.sh OUTDIR
#
# Writes OUTDIR/vmlinuz (the Debian kernel, linux-image-amd64) and
# OUTDIR/initramfs.gz (busybox-static, the virtio-net modules of that
# kernel with their dependencies, tests/guest/init and udhcpc.script).
# Nothing is downloaded. Needs: busybox-static, linux-image-amd64, cpio,
# gzip (and xz or zstd only if the modules are compressed).
#
# A test adds its own commands by appending a second archive holding
# /test.sh: the kernel unpacks concatenated archives in order (see
# tests/guest/run-vm.sh --script).
set -eu

OUT=${1:?usage: $0 OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "build-initramfs: $*" >&2; exit 1; }

# The newest Debian kernel with its modules installed
KVER=${KVER:-}
if [ -z "$KVER" ]; then
	for k in $(ls -1 /lib/modules 2>/dev/null | sort -V -r); do
		if [ -r "/boot/vmlinuz-$k" ]; then KVER=$k; break; fi
	done
fi
[ -n "$KVER" ] || die "no /boot/vmlinuz-* with /lib/modules: apt-get install linux-image-amd64"
MODDIR=/lib/modules/$KVER
[ -r "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep missing"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: apt-get install busybox-static"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked: apt-get install busybox-static"
fi
command -v cpio >/dev/null || die "cpio missing: apt-get install cpio"

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$OUT" "$STAGE"/{bin,sbin,etc,proc,sys,dev,tmp,root,run,lib/modules,usr/bin,usr/sbin,var/run}

cp "$BUSYBOX" "$STAGE/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ -e "$STAGE/bin/$applet" ] || ln -s busybox "$STAGE/bin/$applet"
done

# Modules in dependency order (modules.dep: "mod.ko: dep1.ko dep2.ko")
declare -A seen=()
ORDER=()
add_module() {
	local path=$1 line dep
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	line=$(grep -m1 "^$path:" "$MODDIR/modules.dep") ||
		die "module $path not in modules.dep"
	for dep in ${line#*:}; do
		add_module "$dep"
	done
	ORDER+=("$path")
}
for m in virtio_pci virtio_net; do
	p=$(grep -m1 -E "/$m\.ko(\.xz|\.zst|\.gz)?:" "$MODDIR/modules.dep" |
	    cut -d: -f1) || true
	if [ -z "$p" ]; then
		# Built into the kernel: nothing to load
		grep -q -E "/$m\.ko" "$MODDIR/modules.builtin" 2>/dev/null ||
			die "$m is neither a module nor built in"
		continue
	fi
	add_module "$p"
done

: > "$STAGE/etc/modules"
for p in "${ORDER[@]}"; do
	name=$(basename "$p")
	case $name in
	*.ko)	cp "$MODDIR/$p" "$STAGE/lib/modules/$name" ;;
	*.ko.xz) xz -dc "$MODDIR/$p" > "$STAGE/lib/modules/${name%.xz}"
		 name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$MODDIR/$p" > "$STAGE/lib/modules/${name%.zst}"
		  name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$MODDIR/$p" > "$STAGE/lib/modules/${name%.gz}"
		 name=${name%.gz} ;;
	*)	die "unknown module file $name" ;;
	esac
	echo "$name" >> "$STAGE/etc/modules"
done

install -m 755 "$HERE/init" "$STAGE/init"
install -m 755 "$HERE/udhcpc.script" "$STAGE/etc/udhcpc.script"
echo "root:x:0:0:root:/root:/bin/sh" > "$STAGE/etc/passwd"
echo "root:x:0:" > "$STAGE/etc/group"
echo "127.0.0.1 localhost" > "$STAGE/etc/hosts"

(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 > "$OUT/initramfs.gz.tmp"
mv "$OUT/initramfs.gz.tmp" "$OUT/initramfs.gz"
cp "/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
echo "$KVER" > "$OUT/kernel-version"
echo "build-initramfs: $OUT/initramfs.gz ($(wc -c < "$OUT/initramfs.gz") bytes), kernel $KVER, modules: $(tr '\n' ' ' < "$STAGE/etc/modules")"
