"""What machine a benchmark ran on: the CPU's model, its cores, and the instruction sets that decide how fast its
matrix products are (AVX2, AVX-512, AVX512-BF16, AMX), read from /proc/cpuinfo (standard library only). A speed
ratio measured on one kind of CPU is not a ratio on another: every figure the benchmarks print names these."""

import os
import platform

# The CPU flags that matter for float32 and bfloat16 matrix products, as Linux names them, and in words.
INSTRUCTION_SETS = (
    ("avx2", "AVX2"),
    ("avx512f", "AVX-512"),
    ("avx512_bf16", "AVX512-BF16"),
    ("amx_tile", "AMX"),
)


def cpu_facts(cpuinfo_path="/proc/cpuinfo"):
    """`{"model", "cores", "instruction_sets"}`: the CPU's model name, the cores this process may use and the
    `INSTRUCTION_SETS` it has, in words. Where /proc/cpuinfo cannot be read, the model is `platform.processor()`
    and the instruction sets are unknown (None)."""
    model, flags = None, None
    try:
        with open(cpuinfo_path) as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model is None:
                    model = value.strip()
                elif key == "flags" and flags is None:
                    flags = set(value.split())
                if model is not None and flags is not None:
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count()
    found = None if flags is None else [name for flag, name in INSTRUCTION_SETS if flag in flags]
    return {"model": model or platform.processor() or "unknown CPU", "cores": cores, "instruction_sets": found}


def describe(facts):
    """One line: `AMD EPYC, 2 cores, AVX2, AVX-512, AVX512-BF16, no AMX`."""
    words = [facts["model"], f"{facts['cores']} core{'s' if facts['cores'] != 1 else ''}"]
    found = facts["instruction_sets"]
    if found is None:
        words.append("instruction sets unknown")
    else:
        words += found
        words += [f"no {name}" for _, name in INSTRUCTION_SETS[1:] if name not in found]
    return ", ".join(words)
