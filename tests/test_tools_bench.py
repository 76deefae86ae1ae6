"""tools.bench's reading of pytest's JUnit report: where a phase of `make test` spends
its time, per notebook and per test module."""

from __future__ import annotations

import pytest

from tools import bench

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="chapters.04_relu.ipynb" name="Cell 0" time="1.5"/>
<testcase classname="chapters.04_relu.ipynb" name="Cell 3" time="2.25"/>
<testcase classname="tests.test_lib_seed" name="test_a" time="0.5"/>
<testcase classname="tests.test_site.TestPages" name="test_b" time="3.0"/>
<testcase classname="tests.test_site" name="test_c" time="1.0"/>
</testsuite></testsuites>
"""


def test_file_times_sum_each_notebook_and_each_test_module(tmp_path):
    report = tmp_path / "report.xml"
    report.write_text(REPORT, encoding="utf-8")
    times = bench.file_times(report)
    assert times == {"chapters/04_relu.ipynb": pytest.approx(3.75),
                     "tests/test_lib_seed.py": pytest.approx(0.5),
                     "tests/test_site.py": pytest.approx(4.0)}
    rows = bench.phase_rows({"pytest": {"seconds": 10.0, "cpu": 15.0, "files": times}},
                            top=2)
    assert rows[2].strip().startswith("its files' test time, all workers: 8 s; the 2")
    assert [row.split()[0] for row in rows[3:5]] == ["tests/test_site.py",
                                                     "chapters/04_relu.ipynb"]


def test_a_chapter_is_judged_by_its_cpu_time_not_its_wall_time():
    # CONTRIBUTING's budget is CPU time in the kernel: a loaded machine stretches the
    # wall time (here 100 s) without making the chapter's work any larger
    def rows(cpu):
        execution = {path.stem: {"seconds": 100.0, "kernel": 1.0, "cpu": cpu,
                                 "explorers": []} for path in bench.chapter_paths()}
        return bench.table(execution, {"skipped": "no browser"},
                           {"error": "not built", "files": 0})

    def marks(table_rows, what):
        return {row.split()[-1] for row in table_rows if row.strip().startswith(what)}

    quick, slow = rows(cpu=bench.CHAPTER_SECONDS - 1.0), rows(cpu=bench.CHAPTER_SECONDS + 1.0)
    assert marks(quick, "CPU time of those cells") == {"ok"}
    assert marks(slow, "CPU time of those cells") == {"OVER"}
    assert marks(quick, "execute (cells, fresh kernel), wall time") == {"s"}   # no verdict


def test_the_machine_is_described_by_its_cpu_and_its_float64_arithmetic():
    assert bench.cpu_model().strip()
    gflops = bench.gemm_gflops()
    assert 0.1 < gflops < 10_000    # GFLOP/s of one core: a number, not a failure
