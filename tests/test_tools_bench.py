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
