#!/usr/bin/env bash
# Runs the unit tests on an emulated AVX-512 CPU, for machines that have none (this project's own run on
# Zen 3): the tests then pick the AVX-512 variants and compare them with the scalar references, as they do
# for AVX2 natively. Everything comes from Debian's packages:
#   bochs (x86 emulator with EVEX support) as an Intel Skylake-X (AVX-512 F/CD/BW/DQ/VL),
#   Debian's own kernel booted from an isolinux CD, and an initramfs whose /init runs a statically linked
#   build of the unit tests (and, with --parity, of the MobileSAM parity program) and powers off.
# The emulated CPU is a few hundred times slower than the host (the kernel tests take about 25 minutes after
# a 2-minute boot), so pass doctest filters for what to run.
#
#   bash tools/emulate_avx512.sh [--build DIR] [--timeout SECONDS] [--isa LEVEL] [--parity] [doctest options...]
#   --isa: the LSAM_ISA the tests run under, avx512 by default; avx2 or scalar tell an emulator fault from
#     an AVX-512 one.
#   --parity: after the unit tests, MobileSAM end to end against PyTorch, as the mobile_sam_parity test does
#     natively: a random checkpoint and golden outputs for one 600 x 800 image (tools/reference, so the host
#     needs python3-torch), converted with lsam convert; about 15 minutes more.
#   e.g. bash tools/emulate_avx512.sh -tc='gemm: random*,conv 3x3*'
#        bash tools/emulate_avx512.sh --parity -sf='*graph/*'
#
# Exit status: 1 if the tests or the parity checks fail, 0 if they pass, 3 when the guest did not report
# (boot failure, timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
timeout_s=3600
isa=avx512
parity=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --isa) isa=$2; shift 2 ;;
    --parity) parity=1; shift ;;
    *) break ;;
  esac
done

packages=(bochs bochsbios vgabios bochs-term isolinux syslinux-common xorriso cpio busybox-static)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

work=$(mktemp -d /tmp/lsam-avx512.XXXXXX)
keepalive="" reader=""
trap 'pkill -f "bochs-bin -q -f $work/bochsrc" 2>/dev/null || true; kill $keepalive $reader 2>/dev/null || true
  rm -rf "$work"' EXIT

# A build target linked statically, so the initramfs needs no loader or libraries: the link line meson uses,
# with -static and another output.
link_static() {  # TARGET OUTPUT
  ninja -C "$build" "$1" >/dev/null
  local link
  link=$(ninja -C "$build" -t commands "$1" | tail -n 1)
  (cd "$build" && eval "${link/-o $1/-static -o $2}") 2>&1 |
    grep -v -e "statically linked applications requires at runtime" -e "in function" || true
}

# Debian's current kernel image; only its vmlinuz is used.
kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
(cd "$work" && apt-get download -q "$kernel_pkg" 2>/dev/null && dpkg-deb -x ./*.deb kernel)

mkdir -p "$work/root/bin" "$work/root/dev" "$work/root/proc" "$work/iso/isolinux"
cp /bin/busybox "$work/root/bin/busybox"
link_static tests/lsam_tests "$work/root/bin/lsam_tests"
if [ "$parity" -eq 1 ]; then
  ninja -C "$build" tools/lsam >/dev/null
  link_static tests/lsam_mobile_sam_parity "$work/root/bin/lsam_mobile_sam_parity"
  # The Python the build's parity tests use (meson option python: Debian's, with python3-torch).
  python=$(meson introspect --buildoptions "$build" | grep -o '"name": "python", "value": "[^"]*"' |
    sed 's/.*"value": "//; s/"$//')
  "${python:-/usr/bin/python3}" tools/reference/make_mobile_sam_golden.py --out "$work/root/golden" \
    --image-size 600x800 >/dev/null
  "$build/tools/lsam" convert "$work/root/golden/mobile_sam.pt" "$work/root/golden/mobile_sam.lsam" >/dev/null
  rm "$work/root/golden/mobile_sam.pt"  # the guest's memory holds the initramfs: one copy of the weights
fi
# The doctest options travel on the kernel command line as one word: '+' between options, and a space inside
# one (a test name) becomes doctest's one-character wildcard '?'.
args=""
for a in "$@"; do args+="${a// /?}+"; done
args=${args%+}
cat >"$work/root/init" <<'EOF'
#!/bin/busybox sh
# The kernel's devtmpfs provides /dev/console, so the initramfs needs no device nodes (and no root to build).
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox mount -t proc proc /proc
flags=$(/bin/busybox grep -m1 '^flags' /proc/cpuinfo | /bin/busybox grep -o -E 'avx[0-9a-z_]*')
echo "lsam-avx512: guest cpu flags:" $flags
/bin/busybox dmesg | /bin/busybox grep -i -E 'x86/fpu|xsave|xstate' | /bin/busybox sed 's/^/lsam-avx512: kernel: /'
args=$(/bin/busybox sed -n 's/.*lsamargs=\([^ ]*\).*/\1/p' /proc/cmdline | /bin/busybox tr '+' ' ')
isa=$(/bin/busybox sed -n 's/.*lsamisa=\([^ ]*\).*/\1/p' /proc/cmdline)
start=$(/bin/busybox date +%s)
echo "lsam-avx512: LSAM_ISA=$isa"
LSAM_ISA=$isa /bin/lsam_tests --duration=true $args
status=$?
if [ -d /golden ]; then
  echo "lsam-avx512: MobileSAM parity against PyTorch (LSAM_ISA=$isa)"
  LSAM_ISA=$isa /bin/lsam_mobile_sam_parity /golden /golden/mobile_sam.lsam >/parity.log 2>&1 || status=1
  /bin/busybox grep -v '^ok ' /parity.log
fi
echo "lsam-avx512: tests exited with $status after $(( $(/bin/busybox date +%s) - start )) s"
# Powering off at once can cut off what the serial port has not sent yet.
/bin/busybox sleep 2
/bin/busybox poweroff -f
EOF
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/iso/initrd.gz"
cp "$work"/kernel/boot/vmlinuz-* "$work/iso/vmlinuz"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/iso/isolinux/"
# clearcpuid=xsaves,xsavec: Bochs 2.7 reports the compacted XSAVE area's size as the standard one, which makes
# the kernel turn XSAVE (and with it AVX) off; the standard format has no such mismatch.
cat >"$work/iso/isolinux/isolinux.cfg" <<EOF
DEFAULT lsam
PROMPT 0
LABEL lsam
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0 loglevel=3 clearcpuid=xsaves,xsavec lsamisa=$isa lsamargs=$args
EOF
xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
  -boot-load-size 4 -boot-info-table "$work/iso"

# A realtime clock: the guest's idle waits then end in host time (emulated time, counted in instructions,
# stops while the guest idles) and the boot takes half as long.
cat >"$work/bochsrc" <<EOF
megs: 1024
cpu: model=corei7_skylake_x, count=1, ips=20000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
boot: cdrom
ata1: enabled=0
ata2: enabled=0
ata3: enabled=0
floppy_bootsig_check: disabled=1
com1: enabled=1, mode=file, dev=$work/serial.log
display_library: term
log: $work/bochs.log
clock: sync=realtime, time0=local
EOF
echo c >"$work/debugger.rc"
# Debian builds Bochs with its debugger, which stops before the first instruction until told to continue
# (debugger.rc), and with no display that works without a terminal: script gives it one, with an input that
# stays open for the whole run so that no end of file ever reaches the debugger.
echo "emulate_avx512: booting the emulated Skylake-X (a few minutes before the tests start)" >&2
mkfifo "$work/stdin"
sleep "$timeout_s" >"$work/stdin" &
keepalive=$!
TERM=xterm timeout "$timeout_s" script -qfc "bochs-bin -q -f $work/bochsrc -rc $work/debugger.rc" /dev/null \
  <"$work/stdin" >"$work/bochs.out" 2>&1 &
emulator=$!
# The debugger build also draws the guest's screen on a pseudo-terminal of its own, and blocks once that
# terminal's buffer is full: something must read it.
screen=""
shown=0
while kill -0 "$emulator" 2>/dev/null; do
  sleep 5
  if [ -z "$screen" ]; then
    screen=$(sed -n 's/.*Bochs connected to screen "\([^"]*\)".*/\1/p' "$work/bochs.out" | head -n 1)
    if [ -n "$screen" ]; then
      cat "$screen" >/dev/null 2>&1 &
      reader=$!
    fi
  fi
  if [ -f "$work/serial.log" ]; then
    lines=$(wc -l <"$work/serial.log")
    if [ "$lines" -gt "$shown" ]; then
      tail -n +$((shown + 1)) "$work/serial.log" | head -n $((lines - shown)) | tr -d '\r'
      shown=$lines
    fi
    grep -q "lsam-avx512: tests exited" "$work/serial.log" && break
  fi
done
status=""
[ -f "$work/serial.log" ] &&
  status=$(sed -n 's/.*lsam-avx512: tests exited with \([0-9]*\).*/\1/p' "$work/serial.log" | tail -n 1)
if [ -z "$status" ]; then
  echo "emulate_avx512: the guest reported no test result (boot failure or timeout); see the log above" >&2
  exit 3
fi
exit "$status"
