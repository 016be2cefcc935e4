"""Print an arm64 /proc/cpuinfo for the CPU that qemu-user emulates (run inside the arm64 guest).

qemu-user shows the guest the host's x86 /proc/cpuinfo, and onnxruntime's CPU detection segfaults on
it at import. arm-check binds this file over the guest's /proc/cpuinfo instead, written the way an arm64
kernel writes it: MIDR_EL1 read with `mrs` (qemu-user lets EL0 read it, as Linux does) and the features
from the emulated CPU's AT_HWCAP/AT_HWCAP2 bits.
"""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

from edgetrack.cpuinfo import arm_features_from_hwcaps, read_hwcaps

_MRS_X0_MIDR_EL1_RET = (0xD5380000).to_bytes(4, "little") + (0xD65F03C0).to_bytes(4, "little")


def read_midr() -> int:
    """MIDR_EL1 of this (emulated) CPU, from a two-instruction function in an executable page."""
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(_MRS_X0_MIDR_EL1_RET)
    function = ctypes.CFUNCTYPE(ctypes.c_uint64)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
    return function()


def cpuinfo_text(midr: int, features: list[str], processors: int) -> str:
    """/proc/cpuinfo in the arm64 kernel's layout: one block per processor."""
    block = (
        "BogoMIPS\t: 100.00\n"
        f"Features\t: {' '.join(features)}\n"
        f"CPU implementer\t: 0x{midr >> 24 & 0xFF:02x}\n"
        "CPU architecture: 8\n"
        f"CPU variant\t: 0x{midr >> 20 & 0xF:x}\n"
        f"CPU part\t: 0x{midr >> 4 & 0xFFF:03x}\n"
        f"CPU revision\t: {midr & 0xF}\n"
    )
    return "\n".join(f"processor\t: {i}\n{block}" for i in range(processors))


if __name__ == "__main__":
    hwcaps = read_hwcaps(Path("/proc/self/auxv").read_bytes())
    print(cpuinfo_text(read_midr(), arm_features_from_hwcaps(hwcaps), os.cpu_count() or 1), end="")
