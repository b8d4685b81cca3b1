"""The GPU check script (scripts/gpu_check.sh) and its Python steps (kbench.gpusuite, kbench.gpucheck).

On this CPU machine the script must say BROKEN (exit 2: there is no GPU to check); under numba-cuda's simulator
(``--sim``, marked slow: about two minutes) it runs every step end to end and says OK, with every record marked
as the simulator's."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
SCRIPT = ROOT / "scripts" / "gpu_check.sh"

from kbench import gpucheck, gpurecord, gpusuite  # noqa: E402

no_gpu = pytest.mark.skipif(__import__("kernels")._platform.have_cuda()[0], reason="this machine has a GPU")


def _classes(stage="tier"):
    return gpusuite.gpu_classes(gpusuite.import_suite(), stage)


def test_stages_find_the_gpu_classes():
    tier = _classes()
    assert {"matmul.Matmul", "matmul.MatmulDevice", "sumsq.SumSquares", "sumsq.SumSquaresDevice", "gauss.Gauss",
            "gauss.GaussHostArrays", "sincos.SinCosDevice", "pipeline.Pipeline"} <= set(tier)
    assert not {"threading_layers.ThreadingLayers", "roofline.PeakFlops"} & set(tier), "CPU-only classes are not in the tier"
    assert set(_classes("ceilings")) == set(gpusuite.CEILINGS)
    assert set(_classes("efficiency")) == set(gpusuite.EFFICIENCY)


def test_parameter_sets_are_the_classes_own_gpu_params():
    import kernels

    for key, cls in _classes().items():
        names = cls.param_names
        sets = gpusuite.parameter_sets(cls)
        assert sets, key
        for _, params in sets:
            p = dict(zip(names, params))
            assert kernels.get_target(cls.family, p["target"]).device == "gpu", (key, p)
            for name, value in p.items():  # same params on every machine: only values from the class's params
                assert value in cls.params[names.index(name)], (key, name, value)
    matmul = _classes()["matmul.MatmulMemory"]
    assert {dict(zip(matmul.param_names, p))["size"] for _, p in gpusuite.parameter_sets(matmul)} == {2048}
    passes = [n for n, _ in gpusuite.parameter_sets(_classes()["sumsq.SumSquares"])]
    assert passes == sorted(passes) and set(passes) == {0, 1}, "smaller size first, then the larger"


def test_simulator_sizes_are_small():
    for key, cls in _classes().items():
        sizes = {dict(zip(cls.param_names, p))["size"] for _, p in gpusuite.parameter_sets(cls, sim=True)}
        assert sizes and max(sizes) <= max(gpusuite.simulator_sizes().values()), (key, sizes)


def test_time_samples_read_the_benchmarks_own_clock_like_asv():
    """The suite's classes batch ``calls`` calls per invocation and set ``number = 1`` and a per-call clock;
    the in-process driver must store seconds per call, not per batch."""
    import time

    sys.path.insert(0, str(ROOT))
    from benchmarks.common import PerCallClock

    def batch():  # 20 calls of about 0.5 ms
        for _ in range(20):
            end = time.perf_counter() + 0.0005
            while time.perf_counter() < end:
                pass

    median, samples, number = gpusuite.time_samples(batch, (3, 3, 0.0), number=1, timer=PerCallClock(20))
    assert number == 1 and len(samples) == 3
    assert 0.0004 < median < 0.002, median  # one call's time, not the batch's 10 ms


def test_time_samples_follow_asvs_repeat():
    calls = []
    median, samples, number = gpusuite.time_samples(lambda: calls.append(1), (3, 5, 0.0), sample_time=0.001)
    assert len(samples) == 3 and number >= 1 and median >= 0
    assert len(calls) == 1 + 3 * number, "one calibration call, then number calls per sample"


def test_a_spent_budget_marks_the_rest_not_run(tmp_path):
    out = tmp_path / "tier.json"
    record = gpusuite.run_stage("tier", out, sim=False, budget=1e-9, only=["sumsq.SumSquares"],
                                sampler=gpurecord.NoSampler("test"))
    rows = record["results"]
    assert rows and all(r["status"] == "not run" for r in rows)
    assert json.loads(out.read_text())["results"] == rows and record["simulator"] is False


@no_gpu
def test_without_a_gpu_every_gpu_benchmark_skips_with_its_reason(tmp_path):
    record = gpusuite.run_stage("tier", tmp_path / "t.json", sim=False, only=["sumsq.SumSquaresDevice"],
                                sampler=gpurecord.NoSampler("test"))
    assert record["results"] and all(r["status"] == "skipped" and r["reason"] for r in record["results"])


def _folder(tmp_path, sim=False, failed=False, throttled=False):
    tmp_path.mkdir()
    env = {"simulator": sim, "cuda_device": {"simulator": True} if sim else
           {"name": "NVIDIA H200", "compute_capability": "9.0", "sm_count": 132}, "nvml": {"device": {}}}
    (tmp_path / "environment.json").write_text(json.dumps(env))
    (tmp_path / "check.json").write_text(json.dumps([{"kernel": "sumsq.cuda", "status": "ok", "error": 0, "tolerance": 1}]))
    for stage in ("ceilings", "efficiency", "tier"):
        row = {"benchmark": f"{stage}.X.track_y", "params": [], "status": "ok", "value": 1.0,
               "gpu": {"throttled": throttled, "why": "clock-event reason sw_power_cap" if throttled else ""}}
        rows = [row] + ([{"benchmark": "b", "params": [1], "status": "failed", "error": "boom"}] if failed else [])
        (tmp_path / f"{stage}.json").write_text(json.dumps({"simulator": sim, "results": rows}))
    return tmp_path


def test_summary_verdicts(tmp_path):
    assert gpucheck.summarise(_folder(tmp_path / "a"), False, {"tier": 0}) == gpucheck.OK
    assert gpucheck.summarise(_folder(tmp_path / "b", failed=True), False, {}) == gpucheck.BROKEN
    assert "problem: b(1,): boom" in (tmp_path / "b" / "summary.txt").read_text()
    # a throttled measurement is reported, not a breakage
    assert gpucheck.summarise(_folder(tmp_path / "c", throttled=True), False, {}) == gpucheck.OK
    assert "ran throttled" in (tmp_path / "c" / "summary.txt").read_text()
    # the simulator is never taken for a GPU: a simulated folder fails a GPU run's summary
    assert gpucheck.summarise(_folder(tmp_path / "d", sim=True), False, {}) == gpucheck.BROKEN
    assert gpucheck.summarise(_folder(tmp_path / "e", sim=True), True, {}) == gpucheck.OK
    assert gpucheck.summarise(_folder(tmp_path / "f"), False, {"check": 2}) == gpucheck.BROKEN
    assert gpucheck.summarise(_folder(tmp_path / "g"), False, {"tier": 124}) == gpucheck.OK  # kept what it measured
    (tmp_path / "g" / "tier.json").unlink()
    assert gpucheck.summarise(tmp_path / "g", False, {}) == gpucheck.BROKEN


def _script(out, *args, sim=False):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["PYTHON"] = sys.executable
    return subprocess.run(["bash", str(SCRIPT), *(["--sim"] if sim else []), str(out), *args], env=env,
                          capture_output=True, text=True, timeout=900)


@no_gpu
def test_script_on_a_machine_without_a_gpu_says_broken(tmp_path):
    proc = _script(tmp_path / "out")
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = (tmp_path / "out" / "summary.txt").read_text()
    assert summary.startswith("GPU check: BROKEN") and "no CUDA device" in summary
    assert not (tmp_path / "out" / ".cache").exists()


@pytest.mark.slow
def test_script_end_to_end_under_the_simulator(tmp_path):
    out = tmp_path / "out"
    proc = _script(out, sim=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    names = {p.name for p in out.iterdir()}
    assert {"environment.json", "machine.json", "check.json", "ceilings.json", "efficiency.json", "tier.json",
            "summary.txt", "summary.json", "logs"} <= names
    env = json.loads((out / "environment.json").read_text())
    assert env["simulator"] is True and env["cuda_device"]["simulator"] is True
    check = json.loads((out / "check.json").read_text())
    assert {r["kernel"] for r in check if r["status"] == "ok"} >= {"matmul.cuda_naive", "matmul.cuda_tiled", "sumsq.cuda"}
    for stage in ("ceilings", "efficiency", "tier"):
        record = json.loads((out / f"{stage}.json").read_text())
        assert record["simulator"] is True and all(r["simulator"] is True for r in record["results"])
        assert record["cuda_device"]["simulator"] is True
        assert not [r for r in record["results"] if r["status"] == "failed"]
    tier = json.loads((out / "tier.json").read_text())["results"]
    ran = {r["benchmark"] for r in tier if r["status"] == "ok"}
    assert {"matmul.Matmul.time_kernel", "sumsq.SumSquares.time_kernel", "sumsq.SumSquaresRate.track_gbps",
            "matmul.MatmulLayout.time_kernel"} <= ran
    assert all(r["gpu"]["samples"] == 0 for r in tier if "gpu" in r), "no GPU state recorded for the simulator"
    assert (out / "summary.txt").read_text().startswith("GPU check: OK (simulator run)")
