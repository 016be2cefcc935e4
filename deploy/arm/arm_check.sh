#!/usr/bin/env bash
# make arm-check: run edgetrack's runtime on aarch64 under qemu user-mode emulation and check that it
# tracks exactly like the x86 host (functional parity, not speed). See docs/arm.md.
#
# Stages (each cached where it can be):
#   1. host tools: qemu-user-static, mmdebstrap, binfmt-support (apt-get, installed when missing) and the
#      qemu-aarch64 binfmt handler, so that a chroot into an arm64 root runs its programs under qemu.
#   2. an arm64 Debian bookworm root with python3/venv/pip, built once by mmdebstrap into $ARM_ROOTFS.
#   3. the runtime's aarch64 wheels (no torch) downloaded on the host into $ARM_WHEELS, installed with
#      the repo's edgetrack wheel into a venv inside the root (pip runs there, under emulation).
#   4. the x86 f32 reference track on the host, then the same track inside the root for each
#      QEMU_CPU in $ARM_CPUS and each backend in $ARM_BACKENDS; every frame's box is compared by IoU.
#      The guest sees an arm64 /proc/cpuinfo for the emulated CPU (guest_cpuinfo.py), as on a board.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${EDGETRACK_CACHE:-$HOME/.cache/edgetrack}
ARM_ROOTFS=${ARM_ROOTFS:-$CACHE/arm64-rootfs}
ARM_WHEELS=${ARM_WHEELS:-$CACHE/arm64-wheels}
ARM_SUITE=${ARM_SUITE:-bookworm}
ARM_MIRROR=${ARM_MIRROR:-http://deb.debian.org/debian}
ARM_CPUS=${ARM_CPUS:-cortex-a72 max,pauth-impdef=on}
ARM_BACKENDS=${ARM_BACKENDS:-onnxruntime openvino}
ARM_THREADS=${ARM_THREADS:-1}
ARM_MIN_IOU=${ARM_MIN_IOU:-0.99}
HOST_PY=${HOST_PY:-$REPO/.venv/bin/python}
MODEL=${MODEL:-$REPO/../shared/fixtures/models/vittrack.onnx}
SEQUENCE=${SEQUENCE:-$REPO/../shared/fixtures/sequences/OTB/Crossing}
ARM_REQUIRED_BACKENDS=${ARM_REQUIRED_BACKENDS:-onnxruntime}
ARM_LOGS=${ARM_LOGS:-$CACHE/arm-check-logs}
GUEST_VENV=/opt/edgetrack-venv
GUEST_WHEELS=/var/cache/edgetrack-wheels
GUEST_WORK=/tmp/edgetrack-arm-check

log() { printf '\033[1m[arm-check]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[arm-check] error:\033[0m %s\n' "$*" >&2; exit 2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "needs root for: $* (run as root or install sudo)"; fi
}

ensure_host_tools() {
    local missing=()
    command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v update-binfmts >/dev/null || missing+=(binfmt-support)
    [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing host packages: ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
        as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
            || die "cannot mount binfmt_misc: arm64 programs cannot run in a chroot on this host"
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
        as_root update-binfmts --enable qemu-aarch64 || die "cannot register the qemu-aarch64 binfmt handler"
    fi
}

build_rootfs() {
    if [ -e "$ARM_ROOTFS/.edgetrack-rootfs-ok" ]; then
        log "arm64 root: cached at $ARM_ROOTFS"
        return
    fi
    local tmp="$ARM_ROOTFS.partial"
    as_root rm -rf "$tmp"
    mkdir -p "$(dirname "$ARM_ROOTFS")"
    log "arm64 root: building $ARM_SUITE with mmdebstrap into $ARM_ROOTFS (once; several minutes)"
    as_root mmdebstrap --arch=arm64 --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        "$ARM_SUITE" "$tmp" "$ARM_MIRROR"
    as_root touch "$tmp/.edgetrack-rootfs-ok"
    as_root rm -rf "$ARM_ROOTFS"
    as_root mv "$tmp" "$ARM_ROOTFS"
}


# The root's dpkg database says which Python and glibc pip must pick wheels for.
guest_version() { dpkg-query --admindir="$ARM_ROOTFS/var/lib/dpkg" -W -f='${Version}' "$1" | cut -d- -f1 | cut -d. -f1,2; }

MOUNTED=()
CPUINFO_BOUND=
mount_guest() {
    local fs
    for fs in proc sys dev; do
        if ! mountpoint -q "$ARM_ROOTFS/$fs"; then
            if [ "$fs" = proc ]; then as_root mount -t proc proc "$ARM_ROOTFS/proc"
            else as_root mount --rbind "/$fs" "$ARM_ROOTFS/$fs"; as_root mount --make-rslave "$ARM_ROOTFS/$fs"; fi
            MOUNTED+=("$ARM_ROOTFS/$fs")
        fi
    done
    trap cleanup EXIT
}

cleanup() {
    local m
    [ -z "$CPUINFO_BOUND" ] || as_root umount "$ARM_ROOTFS/proc/cpuinfo"
    for m in "${MOUNTED[@]}"; do as_root umount -R "$m" || log "warning: could not unmount $m"; done
    as_root rm -rf "$ARM_ROOTFS$GUEST_WORK"
}

# guest CPU COMMAND...: run COMMAND inside the arm64 root under qemu-aarch64 emulating CPU.
guest() {
    local cpu=$1; shift
    as_root env QEMU_CPU="$cpu" chroot "$ARM_ROOTFS" /usr/bin/env -i QEMU_CPU="$cpu" HOME=/root LANG=C.UTF-8 \
        PATH="$GUEST_VENV/bin:/usr/bin:/bin" "$@"
}

download_wheels() {
    local py glibc plats=(--platform manylinux2014_aarch64) minor dist="$ARM_LOGS/dist"
    py=$(guest_version python3); glibc=$(guest_version libc6)
    for minor in $(seq 17 "${glibc#2.}"); do plats+=(--platform "manylinux_2_${minor}_aarch64"); done
    rm -rf "$dist"; mkdir -p "$dist" "$ARM_WHEELS"
    log "edgetrack wheel from $REPO"
    "$HOST_PY" -m pip wheel -q --no-deps -w "$dist" "$REPO"
    log "aarch64 wheels for CPython $py, glibc $glibc (manylinux up to 2_${glibc#2.}) into $ARM_WHEELS"
    "$HOST_PY" -m pip download -qq --only-binary=:all: --implementation cp --python-version "$py" \
        --abi "cp${py/./}" "${plats[@]}" -d "$ARM_WHEELS" "$dist"/edgetrack-*.whl
    rm -f "$ARM_WHEELS"/edgetrack-*.whl
}

install_guest() {
    local wheel
    as_root mkdir -p "$ARM_ROOTFS$GUEST_WHEELS" "$ARM_ROOTFS$GUEST_WORK"
    as_root cp -u "$ARM_WHEELS"/*.whl "$ARM_ROOTFS$GUEST_WHEELS/"
    as_root cp "$ARM_LOGS"/dist/edgetrack-*.whl "$ARM_ROOTFS$GUEST_WORK/"
    wheel=$(basename "$ARM_LOGS"/dist/edgetrack-*.whl)
    if [ ! -x "$ARM_ROOTFS$GUEST_VENV/bin/python" ]; then
        log "guest venv $GUEST_VENV"
        guest max /usr/bin/python3 -m venv "$GUEST_VENV"
    fi
    log "installing edgetrack and its aarch64 wheels in the guest (pip under emulation)"
    guest max pip install -q --no-index --find-links "$GUEST_WHEELS" "$GUEST_WORK/$wheel"
    guest max pip install -q --no-index --no-deps --force-reinstall "$GUEST_WORK/$wheel"
    if guest max python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)"; then
        die "torch is installed in the guest: the runtime must install without it"
    fi
    log "guest runtime (no torch): $(cd "$ARM_ROOTFS$GUEST_VENV"/lib/python3*/site-packages && ls -d \
        numpy-*.dist-info opencv_python_headless-*.dist-info onnxruntime-*.dist-info openvino-*.dist-info \
        | sed -e 's/\.dist-info//' -e 's/-/ /' | paste -sd, | sed 's/,/, /g')"
}

# The same track on the host's x86 and in the guest: pinned f32 (the runtime's default precision).
run_host() {
    local backend=$1
    (cd "$REPO" && PYTHONPATH="$REPO" "$HOST_PY" -m edgetrack track "$SEQUENCE" --model "$MODEL" \
        --backend "$backend" --threads "$ARM_THREADS" --save-txt "$ARM_LOGS/host-$backend.txt") \
        > "$ARM_LOGS/host-$backend.log" 2>&1
}

run_guest() {
    local cpu=$1 backend=$2
    guest "$cpu" edgetrack track "$GUEST_WORK/$(basename "$SEQUENCE")" --model "$GUEST_WORK/$(basename "$MODEL")" \
        --backend "$backend" --threads "$ARM_THREADS" --save-txt "$GUEST_WORK/$cpu-$backend.txt" \
        > "$ARM_LOGS/$cpu-$backend.log" 2>&1
}

# qemu-user shows the guest the host's x86 /proc/cpuinfo, on which onnxruntime's CPU detection segfaults
# at import; give the guest the arm64 /proc/cpuinfo a kernel would show for the emulated CPU.
bind_guest_cpuinfo() {
    local cpu=$1
    guest "$cpu" python "$GUEST_WORK/guest_cpuinfo.py" > "$ARM_LOGS/cpuinfo-$cpu.txt"
    as_root mount --bind "$ARM_LOGS/cpuinfo-$cpu.txt" "$ARM_ROOTFS/proc/cpuinfo"
    CPUINFO_BOUND=1
}

unbind_guest_cpuinfo() { as_root umount "$ARM_ROOTFS/proc/cpuinfo"; CPUINFO_BOUND=; }

interrupted() { case $1 in 129 | 130 | 137 | 143) return 0 ;; *) return 1 ;; esac; }

signal_name() { local rc=$1; [ "$rc" -gt 128 ] && echo "killed by SIG$(kill -l $((rc - 128)))" || echo "exit $rc"; }

main() {
    local t0=$SECONDS cpu backend rc line summary failures=0 results=()
    [ -f "$MODEL" ] || die "model not found: $MODEL"
    [ -d "$SEQUENCE" ] || die "sequence not found: $SEQUENCE"
    [ -x "$HOST_PY" ] || die "host python not found: $HOST_PY (make setup, or set HOST_PY)"
    ensure_host_tools
    build_rootfs
    rm -rf "$ARM_LOGS"; mkdir -p "$ARM_LOGS"
    download_wheels
    mount_guest
    install_guest
    as_root cp -r "$SEQUENCE" "$MODEL" "$REPO/deploy/arm/guest_cpuinfo.py" "$ARM_ROOTFS$GUEST_WORK/"

    for backend in $ARM_BACKENDS; do
        log "host x86 f32 reference: $backend"
        run_host "$backend" || die "host $backend run failed: $(tail -n 3 "$ARM_LOGS/host-$backend.log")"
    done
    log "guest /proc/cpuinfo: an arm64 one made from the emulated CPU's MIDR and hwcaps (qemu-user shows x86's)"
    for cpu in $ARM_CPUS; do
        bind_guest_cpuinfo "$cpu"
        log "QEMU_CPU=$cpu: $(guest "$cpu" python -c 'from edgetrack.cpuinfo import cpu_line; print(cpu_line())')"
        for backend in $ARM_BACKENDS; do
            log "QEMU_CPU=$cpu $backend: tracking $(basename "$SEQUENCE") under emulation"
            rc=0; run_guest "$cpu" "$backend" || rc=$?
            if [ "$rc" -ne 0 ]; then
                line=$(grep -v '^\s*$' "$ARM_LOGS/$cpu-$backend.log" | tail -n 1 | cut -c1-160)
                # Stopped from outside (Ctrl-C, kill, OOM) says nothing about the backend: a failure.
                if [[ " $ARM_REQUIRED_BACKENDS " == *" $backend "* ]] || interrupted "$rc"; then
                    results+=("FAIL      $cpu  $backend: did not run ($(signal_name $rc)): $line")
                    failures=$((failures + 1))
                else
                    results+=("CANNOT RUN $cpu  $backend: does not run under qemu-user ($(signal_name $rc)): $line")
                fi
                continue
            fi
            as_root cp "$ARM_ROOTFS$GUEST_WORK/$cpu-$backend.txt" "$ARM_LOGS/"
            rc=0; summary=$(PYTHONPATH="$REPO" "$HOST_PY" "$REPO/deploy/arm/compare_tracks.py" \
                "$ARM_LOGS/host-$backend.txt" "$ARM_LOGS/$cpu-$backend.txt" --min-iou "$ARM_MIN_IOU") || rc=$?
            if [ "$rc" -eq 0 ]; then results+=("PASS      $cpu  $backend: $summary")
            else results+=("FAIL      $cpu  $backend: $summary"); failures=$((failures + 1)); fi
        done
        unbind_guest_cpuinfo
    done

    log "summary: aarch64 under qemu-user vs x86 f32 on the host, IoU >= $ARM_MIN_IOU on every frame"
    printf '  %s\n' "${results[@]}"
    log "logs and boxes: $ARM_LOGS"
    log "whole check: $((SECONDS - t0)) s (emulated timings mean nothing; this is a functional check)"
    if [ "$failures" -gt 0 ]; then log "FAIL ($failures)"; exit 1; fi
    log "PASS"
}

main "$@"
