"""What CPU this is and what each backend really computes on it (x86 and ARM), without torch.

`describe_cpu()` returns a plain dict (model, core count, the SIMD features that matter for inference,
and `precision_advice`); `cpu_line()` renders it as one short line for `bench` and `info`.
ARM features come from /proc/cpuinfo "Features" or, where that file describes another CPU (qemu
user-mode shows the host's), from the kernel's AT_HWCAP/AT_HWCAP2 bits in /proc/self/auxv.
"""

from __future__ import annotations

import platform
import struct
from collections import Counter
from pathlib import Path

# MIDR implementer -> (vendor, {part -> core name}); parts as in the vendors' technical reference manuals.
_ARM_CORES = {
    0x41: (
        "ARM",
        {
            0xD03: "Cortex-A53",
            0xD04: "Cortex-A35",
            0xD05: "Cortex-A55",
            0xD07: "Cortex-A57",
            0xD08: "Cortex-A72",
            0xD09: "Cortex-A73",
            0xD0A: "Cortex-A75",
            0xD0B: "Cortex-A76",
            0xD0C: "Neoverse-N1",
            0xD0D: "Cortex-A77",
            0xD0E: "Cortex-A76AE",
            0xD40: "Neoverse-V1",
            0xD41: "Cortex-A78",
            0xD42: "Cortex-A78AE",
            0xD44: "Cortex-X1",
            0xD46: "Cortex-A510",
            0xD47: "Cortex-A710",
            0xD48: "Cortex-X2",
            0xD49: "Neoverse-N2",
            0xD4B: "Cortex-A78C",
            0xD4D: "Cortex-A715",
            0xD4E: "Cortex-X3",
            0xD4F: "Neoverse-V2",
            0xD80: "Cortex-A520",
            0xD81: "Cortex-A720",
            0xD82: "Cortex-X4",
            0xD84: "Neoverse-V3",
        },
    ),
    0x00: ("software-defined", {}),  # implementer 0: e.g. QEMU's "max" CPU
    0x4E: ("NVIDIA", {0x003: "Denver 2", 0x004: "Carmel"}),
    0x51: ("Qualcomm", {}),
    0x61: ("Apple", {}),
    0xC0: ("Ampere", {0xAC3: "Ampere-1", 0xAC4: "Ampere-1a"}),
}

# Our name -> the kernel's /proc/cpuinfo feature names that must all be present.
_ARM_FEATURES = {
    "neon": ("asimd",),
    "fp16": ("fphp", "asimdhp"),
    "dotprod": ("asimddp",),
    "i8mm": ("i8mm",),
    "bf16": ("bf16",),
    "sve": ("sve",),
    "sve2": ("sve2",),
}
# Kernel feature name -> (auxv key, bit), from arch/arm64/include/uapi/asm/hwcap.h.
_AT_HWCAP, _AT_HWCAP2 = 16, 26
_ARM_HWCAP_BITS = {
    "fp": (_AT_HWCAP, 0),
    "asimd": (_AT_HWCAP, 1),
    "fphp": (_AT_HWCAP, 9),
    "asimdhp": (_AT_HWCAP, 10),
    "cpuid": (_AT_HWCAP, 11),
    "asimddp": (_AT_HWCAP, 20),
    "sve": (_AT_HWCAP, 22),
    "sve2": (_AT_HWCAP2, 1),
    "i8mm": (_AT_HWCAP2, 13),
    "bf16": (_AT_HWCAP2, 14),
}
_X86_FEATURES = (
    "avx2",
    "avx512f",
    "avx_vnni",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)


def parse_cpuinfo(text: str) -> list[dict[str, str]]:
    """Split /proc/cpuinfo text into blocks of `key: value` (one per processor, plus trailer blocks)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _arm_core_name(block: dict[str, str]) -> str | None:
    """'Cortex-A72' etc. from a processor block's MIDR fields, or None when they are absent."""
    try:
        implementer = int(block["CPU implementer"], 16)
        part = int(block["CPU part"], 16)
    except (KeyError, ValueError):
        return None
    vendor, parts = _ARM_CORES.get(implementer, (f"implementer 0x{implementer:02x}", {}))
    return parts.get(part, f"{vendor} part 0x{part:03x}")


def read_hwcaps(auxv: bytes) -> dict[int, int]:
    """AT_* key -> value from the raw bytes of /proc/self/auxv (64-bit little-endian pairs)."""
    pairs = struct.iter_unpack("<QQ", auxv[: len(auxv) // 16 * 16])
    return {key: value for key, value in pairs if key in (_AT_HWCAP, _AT_HWCAP2)}


def arm_features_from_hwcaps(hwcaps: dict[int, int]) -> list[str]:
    """The kernel's feature names (asimd, fphp, asimddp, ...) that AT_HWCAP/AT_HWCAP2 bits announce."""
    return [name for name, (key, bit) in _ARM_HWCAP_BITS.items() if hwcaps.get(key, 0) >> bit & 1]


def _arm_kernel_features(blocks: list[dict[str, str]], hwcaps: dict[int, int] | None) -> set[str]:
    """Kernel feature names from cpuinfo's Features line, else from the auxv hardware-capability bits."""
    for block in blocks:
        if "Features" in block:
            return set(block["Features"].split())
    return set(arm_features_from_hwcaps(hwcaps or {}))


def _describe_arm(blocks: list[dict[str, str]], hwcaps: dict[int, int] | None) -> dict:
    processors = [b for b in blocks if "processor" in b]
    names = Counter(name for name in map(_arm_core_name, processors) if name)
    # Big.LITTLE chips (RK3588: 4x A76 + 4x A55) list each cluster; reverse name order puts X/A7x first.
    model = " + ".join(f"{n}x {name}" for name, n in sorted(names.items(), reverse=True))
    board = next((b["Model"] for b in blocks if "Model" in b), None)
    kernel = _arm_kernel_features(blocks, hwcaps)
    features = [ours for ours, needed in _ARM_FEATURES.items() if all(k in kernel for k in needed)]
    cores = len(processors) if names else None
    return {
        "model": model or "unknown aarch64 core (no MIDR in /proc/cpuinfo: emulated or virtualised?)",
        "board": board,
        "cores": cores,
        "features": features,
    }


def _describe_x86(blocks: list[dict[str, str]]) -> dict:
    processors = [b for b in blocks if "processor" in b]
    first = processors[0] if processors else {}
    flags = set(first.get("flags", "").split())
    return {
        "model": first.get("model name", "unknown x86 CPU"),
        "board": None,
        "cores": len(processors) or None,
        "features": [f for f in _X86_FEATURES if f in flags],
    }


def precision_advice(arch: str, features: list[str]) -> dict[str, dict]:
    """Per backend: the precision it computes in by default, how int8 runs, and a one-line note.

    `int8` is "fast" (integer dot-product/VNNI/AMX kernels), "modest" (integer kernels without them)
    or "simulated" (dequantised and computed in floating point: no speed-up over f32).
    """
    has = set(features)
    if arch == "aarch64":
        ov_default = "f16" if "fp16" in has else "f32"
        ort_int8 = "fast" if "dotprod" in has else "modest"
        return {
            "openvino": {
                "default": ov_default,
                "int8": "simulated",
                "note": (
                    f"runs {ov_default} by default"
                    + (" (ARMv8.2 fp16 arithmetic)" if ov_default == "f16" else " (no fp16 arithmetic)")
                    + "; int8 is simulated in floating point on ARM: no speed-up"
                ),
            },
            "onnxruntime": {
                "default": "f32",
                "int8": ort_int8,
                "note": "int8 uses "
                + (
                    "the dot-product (sdot/udot" + ("/i8mm" if "i8mm" in has else "") + ") kernels"
                    if ort_int8 == "fast"
                    else "plain NEON kernels (no dotprod): small speed-up at best"
                ),
            },
        }
    bf16 = bool(has & {"amx_bf16", "avx512_bf16"})
    vnni = bool(has & {"avx512_vnni", "avx_vnni", "amx_int8"})
    int8 = "fast" if vnni else "modest"
    ov_default = "runs bf16 by default (AMX/AVX512-BF16)" if bf16 else "runs f32 by default"
    ov_int8 = ("int8 fast with " + ("AMX" if "amx_int8" in has else "VNNI")) if vnni else "int8 without VNNI"
    return {
        "openvino": {
            "default": "bf16" if bf16 else "f32",
            "int8": int8,
            "note": f"{ov_default}; {ov_int8}",
        },
        "onnxruntime": {
            "default": "f32",
            "int8": int8,
            "note": "int8 fast with VNNI" if vnni else "int8 without VNNI: modest speed-up",
        },
    }


def describe_cpu(
    cpuinfo_text: str | None = None, machine: str | None = None, hwcaps: dict[int, int] | None = None
) -> dict:
    """This machine's CPU (or the one the arguments describe) as a dict, with `precision_advice`."""
    machine = machine or platform.machine()
    arch = "aarch64" if machine.lower() in ("aarch64", "arm64") else machine
    if cpuinfo_text is None:
        cpuinfo = Path("/proc/cpuinfo")
        cpuinfo_text = cpuinfo.read_text(encoding="utf-8", errors="replace") if cpuinfo.exists() else ""
    blocks = parse_cpuinfo(cpuinfo_text)
    if arch == "aarch64":
        if hwcaps is None and Path("/proc/self/auxv").exists():
            hwcaps = read_hwcaps(Path("/proc/self/auxv").read_bytes())
        described = _describe_arm(blocks, hwcaps)
    else:
        described = _describe_x86(blocks)
    return {"arch": arch, **described, "precision_advice": precision_advice(arch, described["features"])}


def cpu_line(description: dict | None = None) -> str:
    """One short line: model, cores, features and what OpenVINO/onnxruntime do with f16/int8 here."""
    d = description or describe_cpu()
    cores = f", {d['cores']} cores" if d["cores"] else ""
    board = f" on {d['board']}" if d["board"] else ""
    features = " ".join(d["features"]) or "no SIMD extras"
    ov, ort = d["precision_advice"]["openvino"], d["precision_advice"]["onnxruntime"]
    return (
        f"{d['model']} ({d['arch']}{cores}){board}: {features} | "
        f"openvino {ov['default']} default, int8 {ov['int8']}; onnxruntime int8 {ort['int8']}"
    )
