"""The comparison behind ``kbench release-check`` and the search behind ``kbench bisect``, on recorded samples.

Fixtures (tests/data/):
- ``synthetic/``: asv results files written by ``make_synthetic.py``, one benchmark per case (see its docstring);
- ``real/``: the result files of a real ``kbench release-check --baseline 0.67.0 --candidate 0.68.1`` run on two
  ``sumsq.SumSquares.time_kernel`` combinations (3 interleaved rounds, samples recorded), plus benchmarks.json.
"""
from __future__ import annotations

import math
import random
import statistics
from pathlib import Path

import pytest

from kbench import bisect as kbisect
from kbench import compare, report, results, stats

DATA = Path(__file__).resolve().parent / "data"
SYN = DATA / "synthetic"
REAL = DATA / "real"


K = 2  # the fixture's 20 samples a side are read as 10 rounds of 2 (they are drawn independently)
ROUNDS = 20 // K


@pytest.fixture(scope="module")
def synthetic():
    infos = results.read_benchmarks(str(SYN / "benchmarks.json"))
    base = results.load_side(str(SYN / "baseline.json"), infos, label="0.67.0", samples_per_round=K)
    cand = results.load_side(str(SYN / "candidate.json"), infos, label="0.68.1", samples_per_round=K)
    return base, cand


@pytest.fixture(scope="module")
def rows(synthetic):
    base, cand = synthetic
    return {(r.benchmark, tuple(r.params.values())): r for r in compare.compare_sides(base, cand)}


def row(rows, name, *params):
    return rows[(name, tuple(params))]


# --- the cases ------------------------------------------------------------------------------------------------
def test_clear_regression(rows):
    r = row(rows, "cases.Cases.time_regressed")
    assert r.status == compare.REGRESSION
    assert r.gates
    assert r.ratio == pytest.approx(1.25, rel=0.03)
    assert r.test == compare.TEST and r.rounds == [ROUNDS, ROUNDS]
    assert r.q_value < compare.DEFAULT_ALPHA and r.q_value >= r.p_value  # adjusted over the family
    assert r.baseline["n"] == r.candidate["n"] == 20
    assert len(r.baseline["round_medians"]) == ROUNDS
    assert r.unit == "seconds"


def test_clear_improvement(rows):
    r = row(rows, "cases.Cases.time_improved")
    assert r.status == compare.IMPROVEMENT
    assert not r.gates
    assert r.ratio == pytest.approx(0.75, rel=0.03)
    assert r.q_value < compare.DEFAULT_ALPHA


def test_significant_but_within_factor_is_no_alarm(rows):
    r = row(rows, "cases.Cases.time_small_shift")
    assert r.significant and r.q_value < compare.DEFAULT_ALPHA  # real, but small
    assert r.status == compare.UNCHANGED and not r.gates


def test_bimodal_samples_split_by_one_are_no_alarm(rows, synthetic):
    """Two modes hit by both sides: the pooled medians land in different modes (the old rule's ratio is
    beyond the factor), the round medians do not move."""
    base, cand = synthetic
    key = ("cases.Cases.time_bimodal", ())
    old_ratio, old_p = stats.pooled_u_test(base.measurements[key].samples, cand.measurements[key].samples)
    assert old_ratio > compare.DEFAULT_FACTOR
    r = row(rows, "cases.Cases.time_bimodal")
    assert r.test == compare.TEST and 1 / compare.DEFAULT_FACTOR <= r.ratio <= compare.DEFAULT_FACTOR
    assert r.status == compare.UNCHANGED and not r.gates


def test_too_few_samples_are_not_tested(rows):
    r = row(rows, "cases.Cases.time_few_samples")
    assert r.baseline["n"] == 3  # not a whole number of rounds of K
    assert r.test is None and r.p_value is None and r.significant is None
    assert r.status == compare.NOT_TESTED and not r.gates and "not tested" in r.detail
    assert r.ratio is not None  # the ratio is still shown


def test_without_the_round_size_nothing_is_tested(synthetic):
    """A single summary value or samples without a known K: every timing row is neutral, none gates."""
    infos = results.read_benchmarks(str(SYN / "benchmarks.json"))
    base = results.load_side(str(SYN / "baseline.json"), infos)
    cand = results.load_side(str(SYN / "candidate.json"), infos)
    rows = compare.compare_sides(base, cand)
    measured = [r for r in rows if r.ratio is not None]
    assert measured and all(r.status == compare.NOT_TESTED and not r.gates for r in measured)
    values_only = {k: compare.Measurement(m.value) for k, m in base.measurements.items()}
    one = compare.compare_sides(results.Side("a", base.benchmarks, values_only),
                                results.Side("b", cand.benchmarks,
                                                    {k: compare.Measurement(m.value)
                                                     for k, m in cand.measurements.items()}),
                                samples_per_round=K)
    single = [r for r in one if r.ratio is not None]
    assert single and all(r.status == compare.NOT_TESTED and r.detail == compare.ONE_RUN_DETAIL for r in single)


def test_missing_on_one_side(rows):
    only_b = row(rows, "cases.Cases.time_only_baseline")
    only_c = row(rows, "cases.Cases.time_only_candidate")
    assert only_b.status == only_c.status == compare.MISSING
    assert "candidate" in only_b.detail and "baseline" in only_c.detail
    assert not only_b.gates and not only_c.gates
    assert only_b.baseline["n"] == 20 and only_b.candidate is None


def test_failed_benchmark(rows):
    r = row(rows, "cases.Cases.time_failed")
    assert r.status == compare.FAILED
    assert r.detail == "failed in the candidate"
    assert r.candidate["failed"] and not r.baseline["failed"]
    assert not r.gates and r.ratio is None


def test_skipped_on_both_sides_is_not_an_error(rows):
    r = row(rows, "cases.Cases.time_skipped")
    assert r.status == compare.SKIPPED
    assert not r.gates


def test_parameterised_benchmark_is_compared_per_combination(rows):
    name = "cases.Kernel.time_kernel"
    got = {k[1]: r for k, r in rows.items() if k[0] == name}
    assert set(got) == {("1000", "'jit'"), ("1000", "'numpy'"), ("100000", "'jit'"), ("100000", "'numpy'")}
    assert got[("1000", "'jit'")].status == compare.UNCHANGED
    assert got[("1000", "'numpy'")].status == compare.IMPROVEMENT
    assert got[("100000", "'jit'")].status == compare.REGRESSION and got[("100000", "'jit'")].gates
    assert got[("100000", "'numpy'")].status == compare.SKIPPED
    assert got[("100000", "'jit'")].params == {"size": "100000", "target": "'jit'"}
    assert got[("100000", "'jit'")].params_text == "size=100000, target=jit"


def test_track_and_peakmem_without_rounds_are_not_tested(rows):
    track = [r for k, r in rows.items() if k[0] == "cases.Kernel.track_gbps"]
    peak = [r for k, r in rows.items() if k[0] == "cases.Kernel.peakmem_kernel"]
    assert len(track) == len(peak) == 4
    assert all(r.status == compare.NOT_TESTED and not r.gates and r.unit == "GB/s" for r in track)
    assert all(r.status == compare.NOT_TESTED and not r.gates and r.unit == "bytes" for r in peak)


def rounds_of(rng, centre, rounds, k, process=0.03, noise=0.01):
    """Samples of ``rounds`` processes of ``k`` samples: a per-process factor, then per-sample noise."""
    out = []
    for _ in range(rounds):
        level = centre * math.exp(rng.gauss(0, process))
        out += [level * math.exp(rng.gauss(0, noise)) for _ in range(k)]
    return compare.Measurement(sorted(out)[len(out) // 2], samples=out)


def test_track_with_rounds_reports_increase_and_decrease_but_never_gates():
    rng = random.Random(3)
    info = compare.BenchmarkInfo("a.B.track_gbps", type="track", unit="GB/s")
    down = compare.compare_measurement(info.name, {}, info, rounds_of(rng, 10.0, 6, 3), rounds_of(rng, 6.0, 6, 3),
                                       samples_per_round=3)
    up = compare.compare_measurement(info.name, {}, info, rounds_of(rng, 6.0, 6, 3), rounds_of(rng, 10.0, 6, 3),
                                     samples_per_round=3)
    assert down.status == compare.DECREASE and up.status == compare.INCREASE
    assert not down.gates and not up.gates


def test_only_timing_regressions_gate(rows):
    gating = sorted((r.benchmark, r.params_text) for r in rows.values() if r.gates)
    assert gating == [("cases.Cases.time_regressed", ""), ("cases.Kernel.time_kernel", "size=100000, target=jit")]


def test_factor_and_alpha_are_honoured(synthetic, rows):
    base, cand = synthetic
    loose = {r.benchmark: r for r in compare.compare_sides(base, cand, factor=1.5) if not r.params}
    assert loose["cases.Cases.time_regressed"].status == compare.UNCHANGED
    tight = {r.benchmark: r for r in compare.compare_sides(base, cand, factor=1.02) if not r.params}
    assert tight["cases.Cases.time_small_shift"].status == compare.REGRESSION
    q = row(rows, "cases.Cases.time_regressed").q_value
    strict = {r.benchmark: r for r in compare.compare_sides(base, cand, alpha=q) if not r.params}  # q < alpha fails
    assert strict["cases.Cases.time_regressed"].status == compare.UNDECIDED  # beyond the factor, not shown
    assert not strict["cases.Cases.time_regressed"].gates
    fewer = {r.benchmark: r for r in compare.compare_sides(base, cand, min_rounds=ROUNDS + 1) if not r.params}
    assert fewer["cases.Cases.time_regressed"].status == compare.NOT_TESTED
    with pytest.raises(ValueError):
        compare.compare_sides(base, cand, factor=1.0)


def test_summary_counts(rows):
    counts = compare.summarise(list(rows.values()))
    assert counts[compare.REGRESSION] == 2
    assert counts[compare.IMPROVEMENT] == 2
    assert counts[compare.FAILED] == 1
    assert counts[compare.SKIPPED] == 2
    assert counts[compare.MISSING] == 2
    assert counts[compare.NOT_TESTED] == sum(1 for r in rows.values() if r.ratio is not None and r.test is None)
    assert counts["tested"] == sum(1 for r in rows.values() if r.p_value is not None)
    assert counts["total"] == len(rows)


def test_expected_but_absent_everywhere_shows_as_missing(synthetic):
    base, cand = synthetic
    rows = compare.compare_sides(base, cand, expected={"cases.Cases.time_never_ran": None})
    r = [r for r in rows if r.benchmark == "cases.Cases.time_never_ran"]
    assert len(r) == 1 and r[0].status == compare.MISSING and r[0].detail == "no result on either side"


def test_stale_results_are_ignored():
    infos = results.read_benchmarks(str(SYN / "benchmarks.json"))
    side = results.load_side(str(SYN / "baseline.json"), infos, started_after=2e12)  # after the fixture ran
    assert side.measurements == {}


# --- the file format ------------------------------------------------------------------------------------------
def test_reader_agrees_with_asv():
    """The reader goes through asv.results; what it returns matches asv's own view of the file."""
    asv_results = pytest.importorskip("asv.results")
    for path in [SYN / "baseline.json", SYN / "candidate.json", *sorted(REAL.glob("*numba*.json"))]:
        theirs = asv_results.Results.load(str(path))
        side = results.load_side(str(path))
        assert set(side.benchmarks) == set(theirs.get_all_result_keys())
        assert side.commit == theirs.commit_hash and side.env["env_name"] == theirs.env_name
        for name in theirs.get_all_result_keys():
            params = theirs.get_result_params(name)
            combos = results.BenchmarkInfo(name, params=params).combinations()
            values = theirs.get_result_value(name, params)
            samples = theirs.get_result_samples(name, params)
            for combo, value, samp in zip(combos, values, samples):
                m = side.measurements[(name, combo)]
                if value is None:
                    assert m.value is None
                elif isinstance(value, float) and math.isnan(value):
                    assert m.skipped
                else:
                    assert m.value == pytest.approx(value)
                assert (m.samples or None) == (samp or None)


def test_result_files_are_found_and_read_through_asv(tmp_path):
    pytest.importorskip("asv.results")
    import json
    import shutil

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "machine.json").write_text(json.dumps({"machine": "m", "version": 1}))
    shutil.copy(SYN / "baseline.json", folder / "abcdef12-env.json")
    (folder / f"{results.RECORD_PREFIX}env.json").write_text("{}")  # kbench's record, not a result file
    (found,) = list(results.iter_result_paths(str(tmp_path)))
    assert found == ("m", str(folder / "abcdef12-env.json"))
    res = results.load_results(found[1])
    side = results.load_side(found[1])
    assert {(n, c): m for n, c, m in results.iter_measurements(res)} == side.measurements
    assert results.started_at(res) == max(res.started_at.values())


def test_verdict_is_the_one_rule():
    f, a = stats.DEFAULT_FACTOR, stats.DEFAULT_ALPHA
    assert stats.verdict(f * f, a / 2, gating=True) == (stats.REGRESSION, True, True)
    assert stats.verdict(1 / (f * f), a / 2, gating=True) == (stats.IMPROVEMENT, True, False)
    assert stats.verdict(f * f, a / 2, gating=False) == (stats.INCREASE, True, False)
    assert stats.verdict(f * f, min(1.0, 2 * a), gating=True) == (stats.UNDECIDED, False, False)
    assert stats.verdict(f ** 0.5, a / 2, gating=True) == (stats.UNCHANGED, True, False)


def test_result_file_names_follow_asv():
    asv_results = pytest.importorskip("asv.results")
    for env in ("existing-py3.11", "x" * 200):
        path = results.result_path("res", "m", "f" * 40, env)
        assert path == str(Path("res") / asv_results.get_filename("m", "f" * 40, env))
        assert Path(path).name.endswith(f"-{results.env_file_stem(env)}.json")
    assert results.type_from_name("a.B.peakmem_x") == "peakmemory" and results.type_from_name("a.B.x") == "time"


def test_real_two_release_results():
    infos = results.read_benchmarks(str(REAL / "benchmarks.json"))
    regex = [r"^sumsq\.SumSquares\.time_kernel\(100000, 'contiguous', '(jit|numpy_sum)', 'float64'\)$"]
    selection = results.select_combinations(infos, regex)
    assert selection == {"sumsq.SumSquares.time_kernel": [("100000", "'contiguous'", "'numpy_sum'", "'float64'"),
                                                          ("100000", "'contiguous'", "'jit'", "'float64'")]}
    base = results.load_side(str(REAL / "llvmlite0.49.0-numba0.67.0.json"), infos, "0.67.0", selection)
    cand = results.load_side(str(REAL / "llvmlite0.50.0-numba0.68.1.json"), infos, "0.68.1", selection)
    assert base.env["requirements"]["numba"] == "0.67.0" and cand.env["requirements"]["numba"] == "0.68.1"
    rows = compare.compare_sides(base, cand, expected=selection)
    assert len(rows) == 2
    for r in rows:
        # rounds without a fixed K per round (recorded before -a repeat=K): not tested, never a verdict
        assert r.status == compare.NOT_TESTED and not r.gates
        assert r.baseline["n"] >= 15 and r.candidate["n"] >= 15  # 3 rounds of samples
        assert 0.5 < r.ratio < 2.0
    # without a selection the unselected combinations (n/a on both sides) are skipped rows, never errors
    everything = compare.compare_sides(results.load_side(str(REAL / "llvmlite0.49.0-numba0.67.0.json"), infos),
                                       results.load_side(str(REAL / "llvmlite0.50.0-numba0.68.1.json"), infos))
    assert not compare.rows_with(everything, compare.FAILED)
    assert len(compare.rows_with(everything, compare.SKIPPED)) == len(everything) - 2


def test_selection_matches_asv():
    asv_benchmarks = pytest.importorskip("asv.benchmarks")
    import json
    import types

    raw = json.loads((REAL / "benchmarks.json").read_text())
    raw.pop("version")
    infos = results.read_benchmarks(str(REAL / "benchmarks.json"))
    conf = types.SimpleNamespace(benchmark_dir="benchmarks")
    for regex in (["time_kernel"], [r"\(1000, 'strided'"], ["track_gbps", r"jit_parallel', 'float32'\)$"], []):
        theirs = asv_benchmarks.Benchmarks(conf, list(raw.values()), regex=regex)
        ours = results.select_combinations(infos, regex)
        assert set(ours) == set(theirs.keys())
        for name, combos in ours.items():
            all_combos = infos[name].combinations()
            if combos is None:
                assert theirs.benchmark_selection[name] is None
            else:
                assert [all_combos.index(c) for c in combos] == theirs.benchmark_selection[name]


# --- statistics -----------------------------------------------------------------------------------------------
def test_split_rounds():
    samples = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0]
    assert stats.split_rounds(samples, 3) == [[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]
    assert stats.split_rounds(samples, 4) is None  # not a whole number of rounds
    assert stats.split_rounds(samples, None) is None and stats.split_rounds(None, 3) is None
    assert stats.split_rounds([1.0, None, 3.0, 4.0, 5.0, 6.0], 3) == [[4.0, 5.0, 6.0]]  # a broken round is lost
    assert stats.round_medians(compare.Measurement(2.0, samples=samples).samples, 3) == [2.0, 20.0]


def test_welch_on_log_round_medians_by_hand():
    sps = pytest.importorskip("scipy.stats")
    b, c = [1.0, 1.1, 0.95, 1.05], [1.3, 1.2, 1.45, 1.25, 1.35]
    ratio, p = stats.welch_log_test(b, c)
    lb, lc = [math.log(x) for x in b], [math.log(x) for x in c]
    mb, mc = sum(lb) / len(lb), sum(lc) / len(lc)
    vb = sum((x - mb) ** 2 for x in lb) / (len(lb) - 1) / len(lb)
    vc = sum((x - mc) ** 2 for x in lc) / (len(lc) - 1) / len(lc)
    t = (mc - mb) / math.sqrt(vb + vc)
    df = (vb + vc) ** 2 / (vb ** 2 / (len(lb) - 1) + vc ** 2 / (len(lc) - 1))
    assert ratio == pytest.approx(math.exp(mc - mb))
    assert p == pytest.approx(2 * sps.t.sf(abs(t), df))
    assert math.isnan(stats.welch_log_test([1.0], c)[1])  # one round: no test
    assert math.isnan(stats.welch_log_test([1.0, 1.0], [2.0, 2.0])[1])  # no spread: undefined


def test_pvalue_adjustment():
    ps = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]
    bh = stats.adjust_pvalues(ps, "bh")
    m = len(ps)
    by_hand = [min(min(ps[j] * m / (j + 1) for j in range(i, m)), 1.0) for i in range(m)]  # ps are sorted
    assert bh == pytest.approx(by_hand)
    holm = stats.adjust_pvalues(ps, "holm")
    steps = [min(1.0, (m - i) * ps[i]) for i in range(m)]  # ps are sorted: (m - rank) p, then running maximum
    assert holm == pytest.approx([max(steps[: i + 1]) for i in range(m)])
    assert all(h >= q for h, q in zip(holm, bh))
    shuffled = [ps[i] for i in (3, 0, 7, 1, 6, 2, 5, 4)]
    assert stats.adjust_pvalues(shuffled, "holm") == pytest.approx([holm[i] for i in (3, 0, 7, 1, 6, 2, 5, 4)])
    assert stats.adjust_pvalues(ps, "none") == ps
    with pytest.raises(ValueError):
        stats.adjust_pvalues(ps, "bonferroni-ish")


def test_the_family_of_tests_matters():
    """The same modest change is a regression when it is the only comparison, undecided among hundreds of
    unchanged rows: the error rate is held over the whole check."""
    rng = random.Random(11)
    info = compare.BenchmarkInfo("a.B.time_x")
    R = compare.MIN_ROUNDS
    base, cand = rounds_of(rng, 1e-3, R, 5, process=0.05), rounds_of(rng, 1.2e-3, R, 5, process=0.05)
    alone = compare.compare_measurement(info.name, {}, info, base, cand, samples_per_round=5)
    assert alone.status == compare.REGRESSION and alone.q_value == alone.p_value
    bm, cm = {("a.B.time_x", ("0",)): base}, {("a.B.time_x", ("0",)): cand}
    for i in range(1, 400):
        bm[("a.B.time_x", (str(i),))] = rounds_of(rng, 1e-3, R, 5, process=0.05)
        cm[("a.B.time_x", (str(i),))] = rounds_of(rng, 1e-3, R, 5, process=0.05)
    binfo = {info.name: compare.BenchmarkInfo(info.name, param_names=["i"], params=[[str(i) for i in range(400)]])}
    rows = compare.compare_sides(results.Side("a", binfo, bm), results.Side("b", binfo, cm),
                                 samples_per_round=5)
    first = rows[0]
    assert first.params == {"i": "0"} and first.p_value == pytest.approx(alone.p_value)
    assert first.q_value > first.p_value
    assert first.q_value >= compare.DEFAULT_ALPHA
    assert first.status == compare.UNDECIDED and not first.gates
    assert all(r.adjustment == compare.DEFAULT_ADJUST for r in rows)


def test_formatting():
    assert report.format_value(1.234e-3, "seconds") == "1.234 ms"
    assert report.format_value(98.6e-6, "seconds") == "98.6 µs"
    assert report.format_value(2.5, "seconds") == "2.5 s"
    assert report.format_value(3 * 2**20, "bytes") == "3 MiB"
    assert report.format_value(12.5, "GB/s") == "12.5 GB/s"
    assert report.format_value(None, "seconds") == "n/a"
    assert report.format_ratio(math.inf) == "inf"


# --- bisect -----------------------------------------------------------------------------------------------------
RELEASES = ["0.58.0", "0.58.1", "0.59.0", "0.59.1", "0.60.0", "0.61.0", "0.61.2", "0.62.0", "0.62.1", "0.63.0",
            "0.63.1", "0.64.0", "0.65.0", "0.65.1", "0.66.0", "0.67.0", "0.68.0", "0.68.1"]


def noisy_measure(first_bad, slowdown=1.3, seed=0):
    """A fake ``measure``: 20 samples (10 rounds of K = 2) of log-normal noise around 1 ms, ``slowdown`` times
    that from ``first_bad`` on; each call is counted."""
    calls = []
    rng = random.Random(seed)
    bad_from = RELEASES.index(first_bad) if first_bad else len(RELEASES)

    def measure(version):
        calls.append(version)
        centre = 1e-3 * (slowdown if RELEASES.index(version) >= bad_from else 1.0)
        samples = [centre * math.exp(rng.gauss(0, 0.03)) for _ in range(20)]
        return compare.Measurement(sorted(samples)[10], samples=samples)

    def is_slower(good, m):
        r = compare.compare_measurement("b", {}, compare.BenchmarkInfo("b"), good, m, samples_per_round=K)
        return r.status == compare.REGRESSION

    return measure, is_slower, calls


@pytest.mark.parametrize("first_bad", RELEASES[1:])
def test_bisect_finds_the_first_slower_release(first_bad):
    measure, is_slower, calls = noisy_measure(first_bad, seed=RELEASES.index(first_bad))
    result = kbisect.bisect_releases(RELEASES, measure, is_slower)
    assert result.first_bad == first_bad
    assert result.last_good == RELEASES[RELEASES.index(first_bad) - 1]
    assert len(calls) == len(set(calls)) == result.count  # nothing measured twice
    assert calls[:2] == [RELEASES[0], RELEASES[-1]]
    # 18 releases: the good one, the bad one, then a binary search over the 16 in between (log2 17 -> 5)
    assert result.count <= kbisect.max_measurements(len(RELEASES)) == 2 + math.ceil(math.log2(len(RELEASES) - 1))
    assert result.count >= 2 + math.floor(math.log2(len(RELEASES) - 1))


def test_bisect_when_the_bad_release_is_not_slower():
    measure, is_slower, calls = noisy_measure(None)
    result = kbisect.bisect_releases(RELEASES, measure, is_slower)
    assert result.first_bad is None and result.count == 2
    assert "not slower" in result.reason


def test_bisect_edge_sizes():
    for n in range(2, 40):
        versions = [f"1.{i}.0" for i in range(n)]
        for k in range(1, n):
            calls = []

            def measure(v, calls=calls):
                calls.append(v)
                return versions.index(v)

            result = kbisect.bisect_releases(versions, measure, lambda good, m, k=k: m >= k)
            assert result.first_bad == versions[k]
            assert len(calls) <= kbisect.max_measurements(n)
    with pytest.raises(ValueError):
        kbisect.bisect_releases(["1.0"], lambda v: v, lambda a, b: True)


def test_bisect_helpers():
    info = compare.BenchmarkInfo("sumsq.SumSquares.time_kernel", params=[["1000", "100000"], ["'jit'", "'python'"]],
                                 param_names=["size", "target"])
    combos = kbisect.choose_combinations(info, kbisect.parse_params(["size=100000", "target=jit"]))
    assert combos == [("100000", "'jit'")]
    assert kbisect.choose_combinations(info, {"target": ["'python'"]}) == [("1000", "'python'"), ("100000", "'python'")]
    regex = kbisect.bench_regex(info.name, combos)
    sel = results.select_combinations({info.name: info}, [regex])
    assert sel == {info.name: [("100000", "'jit'")]}
    assert kbisect.bench_regex("a.B.time_x", None) == r"^a\.B\.time_x$"
    with pytest.raises(Exception, match="no parameter"):
        kbisect.choose_combinations(info, {"layout": ["C"]})
    with pytest.raises(Exception, match="no parameter combination"):
        kbisect.choose_combinations(info, {"size": ["7"]})


def test_bisect_command_end_to_end_with_fake_measurements(tmp_path, monkeypatch, capsys):
    """``kbench bisect`` from the command line to its report, with the index and asv replaced by fakes."""
    import json

    import argparse

    from kbench import checkrun, pypi

    releases = ["0.60.0", "0.61.0", "0.61.1rc1", "0.61.2", "0.62.0", "0.63.0", "0.64.0", "0.65.0", "0.66.0",
                "0.67.0", "0.68.0", "0.68.1"]
    index = pypi.ReleaseIndex("numba", fetch=lambda pkg: releases, cache_dir=None)
    monkeypatch.setattr(pypi, "ReleaseIndex", lambda package: index)
    config = tmp_path / "asv.conf.json"
    config.write_text(json.dumps({"version": 1, "project": "p", "repo": ".", "results_dir": "results",
                                  "matrix": {"req": {"numpy": ["2.4.6"]}}}))
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    monkeypatch.setattr(checkrun, "require_head", lambda repo: "f" * 40)
    monkeypatch.setattr(checkrun, "ensure_machine", lambda name: "fixture")
    info = compare.BenchmarkInfo("b.B.time_x", params=[["1000", "100000"], ["'jit'", "'numpy'"]],
                                 param_names=["size", "target"])
    measured = []

    def discover(self, version):
        self.info = info
        self.combos = kbisect.choose_combinations(info, self.wanted)

    def measure(self, version):
        measured.append(version)
        rng = random.Random(version)
        slow = 1.5 if Version(version) >= Version("0.64.0") else 1.0
        meas = {}
        for combo in self.combos:
            samples = [1e-4 * slow * math.exp(rng.gauss(0, 0.02))
                       for _ in range(checkrun.DEFAULT_ROUNDS * checkrun.DEFAULT_REPEAT)]
            meas[(info.name, combo)] = compare.Measurement(sorted(samples)[10], samples=samples)
        return results.Side(version, {info.name: info}, meas, env={"imported": {"numba": version}})

    from packaging.version import Version

    monkeypatch.setattr(kbisect.Bisector, "discover", discover)
    monkeypatch.setattr(kbisect.Bisector, "measure", measure)
    parser = argparse.ArgumentParser(prog="kbench")
    kbisect.configure(parser.add_subparsers(dest="command").add_parser("bisect"))
    args = parser.parse_args(["bisect", "--bench", info.name, "--good", "0.60.0", "--bad", "0.68.1",
                                          "--params", "size=100000", "target=jit", "--config", str(config),
                                          "--results-dir", str(tmp_path / "res")])
    assert kbisect.main(args) == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "res" / "bisect" / "bisect-b.B.time_x-0.60.0-to-0.68.1.json").read_text())
    assert report["first_bad"] == "0.64.0" and report["last_good"] == "0.63.0"
    assert "0.61.1rc1" not in report["releases"]  # final releases only without --pre
    assert len(measured) == len(set(measured)) <= kbisect.max_measurements(len(report["releases"]))
    assert "first slower release: numba 0.64.0" in out
    assert "size=100000, target=jit" in out


def test_one_disturbed_round_does_not_move_the_ratio():
    """A round that shared the cores with another process (measured: 10-40x slow for a parallel kernel) must
    not make an unchanged kernel look 1.5x faster or slower; a real shift of every round still moves it."""
    rnd = random.Random(7)
    k = 5

    def side(level, disturbed=()):
        samples = []
        for r in range(6):
            centre = level * (30.0 if r in disturbed else 1.0) * rnd.uniform(0.97, 1.03)
            samples += [centre * rnd.uniform(0.99, 1.01) for _ in range(k)]
        return compare.Measurement(value=statistics.median(samples), samples=samples)

    info = compare.BenchmarkInfo(name="x.X.time_kernel", type="time")
    calm = compare.compare_measurement("x.X.time_kernel", {}, info, side(1e-4, disturbed={1}), side(1e-4),
                                       samples_per_round=k)
    assert 1 / compare.DEFAULT_FACTOR <= calm.ratio <= compare.DEFAULT_FACTOR, calm.ratio
    assert calm.status == compare.UNCHANGED and not calm.gates
    slower = compare.compare_measurement("x.X.time_kernel", {}, info, side(1e-4), side(1.3e-4, disturbed={4}),
                                         samples_per_round=k)
    assert slower.ratio == pytest.approx(1.3, rel=0.05) and slower.status != compare.IMPROVEMENT
