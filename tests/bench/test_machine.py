"""The machine a benchmark names: CPU model, usable cores and the instruction sets of its matrix products."""

import pytest

from hrnn.bench.machine import cpu_facts, describe

SAPPHIRE_RAPIDS = (
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz\n"
    "flags\t\t: fpu sse2 avx avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8\n\n"
    "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz\nflags\t\t: fpu sse2\n"
)
EPYC = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 avx512f avx512_bf16\n"
OLD = "processor\t: 0\nmodel name\t: Intel(R) Core(TM) i5-4200U\nflags\t\t: fpu sse2 avx\n"


@pytest.mark.parametrize(
    ("cpuinfo", "model", "sets", "line_end"),
    [
        (
            SAPPHIRE_RAPIDS,
            "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz",
            ["AVX2", "AVX-512", "AVX512-BF16", "AMX"],
            "AVX2, AVX-512, AVX512-BF16, AMX",
        ),
        (EPYC, "AMD EPYC", ["AVX2", "AVX-512", "AVX512-BF16"], "AVX2, AVX-512, AVX512-BF16, no AMX"),
        (OLD, "Intel(R) Core(TM) i5-4200U", [], "no AVX-512, no AVX512-BF16, no AMX"),
    ],
)
def test_the_cpu_model_and_its_instruction_sets_come_from_cpuinfo(tmp_path, cpuinfo, model, sets, line_end):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    facts = cpu_facts(path)
    assert facts["model"] == model and facts["instruction_sets"] == sets and facts["cores"] >= 1
    assert describe(facts).startswith(f"{model}, {facts['cores']} core") and describe(facts).endswith(line_end)


def test_without_cpuinfo_the_instruction_sets_are_unknown_not_absent(tmp_path):
    facts = cpu_facts(tmp_path / "missing")
    assert facts["instruction_sets"] is None and facts["model"]
    assert describe(facts).endswith("instruction sets unknown")
