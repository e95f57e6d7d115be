"""How large a run may be: the fixed bounds, the environment's limits, the runs folder's disk cap, the memory
estimate."""

from pathlib import Path

import pytest

from hrnn.train import limits
from hrnn.train.config import TrainConfig

GIB = 2**30


@pytest.fixture
def free_memory(monkeypatch):
    """Pretend this machine has 8 GiB free, so that the memory checks do not depend on the machine."""
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 8 * GIB)


def test_the_original_sizes_need_well_under_a_gigabyte():
    assert 0.2e9 < limits.training_bytes(128, 128, 32) < 1e9


def test_the_estimate_grows_with_units_and_batch_size():
    base = limits.training_bytes(128, 128, 32)
    assert limits.training_bytes(256, 128, 32) > base
    assert limits.training_bytes(128, 256, 32) > base
    assert limits.training_bytes(128, 128, 1024) > base


def test_parameter_count_matches_the_model():
    from hrnn.nn.builders import build_hrnn

    assert limits.parameter_count(128, 128) == 199_434
    assert limits.parameter_count(16, 8) == build_hrnn(16, 8).count_params()


def test_the_original_config_fits_in_8_gib(free_memory):
    limits.check_fits_machine(TrainConfig().check())


def test_huge_units_are_refused_with_the_memory_they_would_need(free_memory):
    with pytest.raises(ValueError) as info:
        limits.check_fits_machine(TrainConfig(row_units=100_000_000))
    message = str(info.value)
    assert message.startswith("row-units 100,000,000, image-units 128 and batch-size 32 would need about ")
    assert "PB of memory to train; this machine has 8.6 GB free" in message


def test_a_batch_too_large_for_the_memory_is_refused(free_memory):
    with pytest.raises(ValueError, match="would need about .* of memory"):
        limits.check_fits_machine(TrainConfig(batch_size=60_000).check())


def test_whether_a_config_is_valid_does_not_depend_on_free_memory(monkeypatch):
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 1)  # a machine with no memory free at all
    assert TrainConfig(batch_size=60_000).check().batch_size == 60_000
    with pytest.raises(ValueError, match="would need about"):
        limits.check_fits_machine(TrainConfig(batch_size=60_000))


def test_units_over_the_fixed_bound_are_refused_whatever_the_memory(monkeypatch):
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 10**15)
    with pytest.raises(ValueError, match=r"image-units must be at most 4,096 \(32 times the original's 128"):
        TrainConfig(image_units=4097).check()


def test_unknown_available_memory_skips_the_memory_check(monkeypatch):
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: None)
    limits.check_memory(4096, 4096, 60_000)


class _MachineFiles:
    """Stands in for `pathlib.Path` in `hrnn.train.limits`: the files named in `files` hold that text, every other
    file is missing."""

    def __init__(self, files):
        self.files = files

    def __call__(self, name):
        files = self.files

        class File:
            def read_text(self):
                if name not in files:
                    raise FileNotFoundError(name)
                return files[name]

        return File()


MEMINFO = "MemTotal:       24683772 kB\nMemFree:        13426424 kB\nMemAvailable:    1000000 kB\n"


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"/proc/meminfo": MEMINFO}, 1_000_000 * 1024),
        ({"/proc/meminfo": MEMINFO, "/sys/fs/cgroup/memory.max": "max\n"}, 1_000_000 * 1024),
        (
            {
                "/proc/meminfo": MEMINFO,
                "/sys/fs/cgroup/memory.max": "800000000\n",
                "/sys/fs/cgroup/memory.current": "300000000",
            },
            500_000_000,  # the room left under the container's limit, less than what the kernel has available
        ),
        ({"/sys/fs/cgroup/memory.max": "800000000\n", "/sys/fs/cgroup/memory.current": "900000000"}, 0),
    ],
    ids=["kernel", "no container limit", "container limit", "over the container limit"],
)
def test_available_memory_is_the_least_the_machine_reports(monkeypatch, files, expected):
    monkeypatch.setattr(limits, "Path", _MachineFiles(files))
    assert limits.available_memory_bytes() == expected


def test_available_memory_falls_back_to_free_pages_and_else_is_unknown(monkeypatch):
    monkeypatch.setattr(limits, "Path", _MachineFiles({}))
    monkeypatch.setattr(limits.os, "sysconf", {"SC_AVPHYS_PAGES": 1000, "SC_PAGE_SIZE": 4096}.__getitem__)
    assert limits.available_memory_bytes() == 4_096_000

    def unknown(name):
        raise ValueError(f"unrecognized configuration name {name}")  # as os.sysconf says where it has no such value

    monkeypatch.setattr(limits.os, "sysconf", unknown)
    assert limits.available_memory_bytes() is None


def test_available_memory_is_read_from_this_machine():
    meminfo = Path("/proc/meminfo")
    if not meminfo.is_file():
        pytest.skip("no /proc/meminfo here")
    total = next(
        int(line.split()[1]) * 1024 for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")
    )
    assert 0 < limits.available_memory_bytes() <= total


def test_the_app_limits_refuse_a_run_over_them(monkeypatch):
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "3")
    monkeypatch.setenv("HRNN_MAX_UNITS", "64")
    limits.check_app_config(TrainConfig(epochs=3, row_units=64, image_units=64))
    with pytest.raises(ValueError, match=r"epochs 4 is over this server's limit, 3 \(HRNN_MAX_EPOCHS\)"):
        limits.check_app_config(TrainConfig(epochs=4, row_units=64, image_units=64))
    with pytest.raises(ValueError, match=r"image-units 65 is over this server's limit, 64 \(HRNN_MAX_UNITS\)"):
        limits.check_app_config(TrainConfig(epochs=3, row_units=64, image_units=65))


def test_folder_bytes_counts_every_file_below(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "model.keras").write_bytes(b"x" * 1000)
    (tmp_path / "record.json").write_bytes(b"y" * 234)
    assert limits.folder_bytes(tmp_path) == 1234
    assert limits.folder_bytes(tmp_path / "absent") == 0


def test_the_disk_cap_refuses_a_new_run_naming_the_folder_and_its_size(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "model.keras").write_bytes(bytes(2_500_000))
    limits.check_runs_disk(tmp_path, limit_mb=3)
    with pytest.raises(ValueError) as info:
        limits.check_runs_disk(tmp_path, limit_mb=2)
    assert str(info.value) == (
        "the runs folder holds 2.5 MB, over its 2 MB cap (HRNN_RUNS_DISK_MB): "
        f"delete old runs in {tmp_path} or raise the cap"
    )


def test_the_disk_cap_comes_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "big").write_bytes(bytes(1_100_000))
    monkeypatch.setenv("HRNN_RUNS_DISK_MB", "1")
    with pytest.raises(ValueError, match="holds 1.1 MB, over its 1 MB cap"):
        limits.check_runs_disk(tmp_path)
