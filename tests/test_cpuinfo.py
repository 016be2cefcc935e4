"""CPU description and precision advice from /proc/cpuinfo samples of a Pi 4, a Pi 5, an RK3588 and x86."""

from __future__ import annotations

import struct

from edgetrack.cpuinfo import cpu_line, describe_cpu, parse_cpuinfo, read_hwcaps


def _arm_cpuinfo(features: str, parts: list[int], model: str | None) -> str:
    blocks = [
        f"processor\t: {i}\nBogoMIPS\t: 108.00\nFeatures\t: {features}\nCPU implementer\t: 0x41\n"
        f"CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0x{part:03x}\nCPU revision\t: 3\n"
        for i, part in enumerate(parts)
    ]
    if model:
        blocks.append(f"Hardware\t: BCM2835\nRevision\t: c03114\nSerial\t\t: 1000abcd\nModel\t\t: {model}\n")
    return "\n".join(blocks)


PI4 = _arm_cpuinfo("fp asimd evtstrm crc32 cpuid", [0xD08] * 4, "Raspberry Pi 4 Model B Rev 1.4")
PI5 = _arm_cpuinfo(
    "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp",
    [0xD0B] * 4,
    "Raspberry Pi 5 Model B Rev 1.0",
)
RK3588 = _arm_cpuinfo(
    "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp",
    [0xD05] * 4 + [0xD0B] * 4,
    None,
)
_SPR_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht "
    "syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 "
    "pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch "
    "fsgsbase bmi1 hle avx2 smep bmi2 erms invpcid rtm avx512f avx512dq rdseed adx smap avx512ifma "
    "clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx_vnni avx512_bf16 "
    "wbnoinvd arat avx512vbmi umip pku ospke waitpkg avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni "
    "avx512_bitalg avx512_vpopcntdq la57 rdpid bus_lock_detect cldemote movdiri movdir64b fsrm md_clear "
    "serialize tsxldtrk amx_bf16 avx512_fp16 amx_tile amx_int8 arch_capabilities"
)
XEON_AMX = "\n".join(
    f"processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
    f"flags\t\t: {_SPR_FLAGS}\n"
    for i in range(4)
)
HASWELL = "processor\t: 0\nmodel name\t: Intel(R) Core(TM) i5-4590 CPU\nflags\t\t: fpu sse2 avx avx2 fma\n"


def test_parse_cpuinfo_splits_processor_blocks():
    blocks = parse_cpuinfo(PI4)
    assert [b["processor"] for b in blocks[:4]] == ["0", "1", "2", "3"]
    assert blocks[4]["Model"] == "Raspberry Pi 4 Model B Rev 1.4"


def test_pi4_cortex_a72_has_neon_only_so_openvino_stays_f32_and_int8_is_not_fast():
    d = describe_cpu(PI4, machine="aarch64", hwcaps={})
    assert d["model"] == "4x Cortex-A72"
    assert d["board"] == "Raspberry Pi 4 Model B Rev 1.4"
    assert d["cores"] == 4
    assert d["features"] == ["neon"]
    advice = d["precision_advice"]
    assert advice["openvino"]["default"] == "f32"
    assert advice["openvino"]["int8"] == "simulated"
    assert advice["onnxruntime"]["int8"] == "modest"


def test_pi5_cortex_a76_runs_openvino_f16_and_onnxruntime_dotprod_int8():
    d = describe_cpu(PI5, machine="aarch64", hwcaps={})
    assert d["model"] == "4x Cortex-A76"
    assert d["features"] == ["neon", "fp16", "dotprod"]
    advice = d["precision_advice"]
    assert advice["openvino"]["default"] == "f16"
    assert advice["openvino"]["int8"] == "simulated"
    assert "no speed-up" in advice["openvino"]["note"]
    assert advice["onnxruntime"]["int8"] == "fast"
    assert "dot-product" in advice["onnxruntime"]["note"]


def test_big_little_rk3588_names_both_clusters_big_first():
    d = describe_cpu(RK3588, machine="aarch64", hwcaps={})
    assert d["model"] == "4x Cortex-A76 + 4x Cortex-A55"
    assert d["cores"] == 8
    assert d["board"] is None


def test_x86_with_amx_defaults_to_bf16_in_openvino_and_fast_int8():
    d = describe_cpu(XEON_AMX, machine="x86_64")
    assert d["model"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert d["cores"] == 4
    assert set(d["features"]) >= {"avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "amx_bf16"}
    advice = d["precision_advice"]
    assert advice["openvino"]["default"] == "bf16"
    assert advice["openvino"]["int8"] == "fast"
    assert advice["onnxruntime"]["int8"] == "fast"


def test_x86_avx2_only_is_f32_with_modest_int8():
    d = describe_cpu(HASWELL, machine="x86_64")
    assert d["features"] == ["avx2"]
    assert d["precision_advice"]["openvino"]["default"] == "f32"
    assert d["precision_advice"]["onnxruntime"]["int8"] == "modest"


def _auxv(hwcap: int, hwcap2: int) -> bytes:
    # AT_PAGESZ, AT_HWCAP, AT_HWCAP2, AT_NULL as the kernel (or qemu-user) lays them out.
    return struct.pack("<8Q", 6, 4096, 16, hwcap, 26, hwcap2, 0, 0)


def test_emulated_arm_reads_features_from_auxv_when_cpuinfo_is_the_hosts():
    # qemu-user shows the x86 host's /proc/cpuinfo; the hwcaps are the emulated CPU's.
    fp16_dotprod = (1 << 1) | (1 << 9) | (1 << 10) | (1 << 20) | (1 << 22)
    hwcaps = read_hwcaps(_auxv(fp16_dotprod, (1 << 13) | (1 << 14)))
    d = describe_cpu(XEON_AMX, machine="aarch64", hwcaps=hwcaps)
    assert d["arch"] == "aarch64"
    assert d["model"].startswith("unknown aarch64 core")
    assert d["features"] == ["neon", "fp16", "dotprod", "i8mm", "bf16", "sve"]
    assert d["precision_advice"]["openvino"]["default"] == "f16"

    a72 = describe_cpu(XEON_AMX, machine="aarch64", hwcaps=read_hwcaps(_auxv(1 << 1, 0)))
    assert a72["features"] == ["neon"]
    assert a72["precision_advice"]["openvino"]["default"] == "f32"


def test_cpu_line_names_model_features_and_advice():
    line = cpu_line(describe_cpu(PI5, machine="aarch64", hwcaps={}))
    assert line.startswith(
        "4x Cortex-A76 (aarch64, 4 cores) on Raspberry Pi 5 Model B Rev 1.0: neon fp16 dotprod |"
    )
    assert "openvino f16 default, int8 simulated" in line
    assert "onnxruntime int8 fast" in line
    assert "\n" not in line
