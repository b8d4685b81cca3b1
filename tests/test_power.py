"""kbench power: the detectability table, from round medians of known spread."""
import json
import math

import numpy as np
import pytest

from kbench import cli, power


def _row(name, medians_b, medians_c):
    return {"benchmark": name, "params": {"size": "1000"}, "type": "time", "p_value": 0.5, "status": "unchanged",
            "baseline": {"round_medians": list(medians_b)}, "candidate": {"round_medians": list(medians_c)}}


def _report(rows, rounds=8):
    return {"kind": "kbench-release-check", "baseline": {"version": "0.68.1"}, "candidate": {"version": "0.68.1"},
            "machine": "test", "settings": {"rounds": rounds, "factor": 1.1, "alpha": 0.01, "looks": 1},
            "rows": rows}


def _noisy(spread, n, seed):
    return list(1e-3 * np.exp(np.random.default_rng(seed).normal(0, spread, n)))


def test_quiet_rows_see_small_slowdowns_and_noisy_rows_do_not():
    quiet = _row("quiet.time_a", _noisy(0.01, 8, 1), _noisy(0.01, 8, 2))
    noisy = _row("noisy.time_b", _noisy(0.4, 8, 3), _noisy(0.4, 8, 4))
    result = power.analyse(_report([quiet, noisy]), trials=200)
    by = {r["benchmark"]: r for r in result["rows"]}
    assert by["quiet.time_a"]["spread"] < 0.03 < 0.2 < by["noisy.time_b"]["spread"]
    assert by["quiet.time_a"]["power"]["1.2"] > 0.95 and by["noisy.time_b"]["power"]["1.2"] < 0.5
    assert 1.1 < by["quiet.time_a"]["smallest_flagged"] <= 1.2
    assert by["noisy.time_b"]["smallest_flagged"] is None or by["noisy.time_b"]["smallest_flagged"] > 1.5
    assert result["summary"]["1.2"] == pytest.approx(0.5)


def test_power_grows_with_the_slowdown_and_is_small_within_the_factor():
    row = _row("mid.time_c", _noisy(0.08, 8, 5), _noisy(0.08, 8, 6))
    p = power.analyse(_report([row]), slowdowns=(1.05, 1.2, 1.5, 2.0), trials=300)["rows"][0]["power"]
    # a true 5 % slowdown is within the factor: flagged only when noise pushes the observed ratio past 1.1
    assert p["1.05"] < 0.1
    assert p["1.2"] <= p["1.5"] <= p["2"] and p["2"] > 0.9


def test_same_reports_give_the_same_table():
    rows = [_row("a.time_x", _noisy(0.1, 6, 7), _noisy(0.1, 6, 8))]
    assert power.analyse(_report(rows, 6), trials=100) == power.analyse(_report(rows, 6), trials=100)


def test_residuals_centre_each_side_and_spread_is_robust():
    res = power.log_residuals([1.0, 1.0, math.e], [2.0, 2.0, 2.0])
    assert sorted(res)[-1] == pytest.approx(1.0) and res.count(0.0) == 5
    assert power.robust_spread([0.0] * 9 + [5.0]) == 0.0  # one wild round does not set the spread


def test_cli_renders_and_refuses_what_is_not_a_report(tmp_path, capsys):
    good = tmp_path / "aa.json"
    good.write_text(json.dumps(_report([_row("a.time_x", _noisy(0.05, 8, 9), _noisy(0.05, 8, 10))])))
    assert cli.main(["power", str(good), "--trials", "50", "--json", str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out
    assert "This machine flags" in out and "`a.time_x`" in out
    assert json.loads((tmp_path / "p.json").read_text())[0]["tested"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "something else"}))
    assert cli.main(["power", str(bad)]) == 2
    assert "not a kbench release-check report" in capsys.readouterr().err


def test_history_thresholds_follow_the_spread_with_a_floor():
    assert power.history_threshold(0.0) == power.THRESHOLD_FLOOR
    quiet, noisy = power.history_threshold(0.005), power.history_threshold(0.05)
    assert quiet == 0.05 and noisy == pytest.approx(0.24)  # exp(3 * sqrt(2) * 0.05) - 1 = 0.236, rounded up
    with pytest.raises(ValueError):
        power.history_threshold(float("nan"))


def test_thresholds_file_has_one_anchored_entry_per_parameter_set(tmp_path, capsys):
    import re
    good = tmp_path / "aa.json"
    good.write_text(json.dumps(_report([_row("a.A.time_x", _noisy(0.2, 8, 11), _noisy(0.2, 8, 12))])))
    out = tmp_path / "thr.json"
    assert cli.main(["power", str(good), "--trials", "20", "--thresholds", str(out)]) == 0
    capsys.readouterr()
    thr = json.loads(out.read_text())
    (regex, value), = thr.items()
    assert re.match(regex, "a.A.time_x(1000)") and not re.match(regex, "a.A.time_x(10000)")
    assert value > power.THRESHOLD_FLOOR


def test_a_pair_of_a_history_run_gets_its_share_of_alpha():
    rows = [_row("a.time_x", _noisy(0.1, 6, 7), _noisy(0.1, 6, 8))]
    alone = power.analyse(_report(rows, 6), trials=50)
    report = _report(rows, 6)
    report["settings"]["pairs"] = 10
    shared = power.analyse(report, trials=50)
    assert shared["level"] == pytest.approx(alone["level"] / 10) and shared["pairs"] == 10
    assert "shared by 10 release pairs" in power.render(shared)


def test_measured_thresholds_go_into_asv_conf_beside_the_classes(tmp_path, capsys):
    """--update-config replaces only the measured entries of regressions_thresholds and keeps the rest of the
    file as written; asv's own rule (the largest matching threshold, the name with or without @branch) then
    gives a measured set its measured step wherever it is above the class's."""
    import re
    import shutil
    from pathlib import Path

    conf = tmp_path / "asv.conf.json"
    shutil.copy(Path(__file__).resolve().parents[1] / "asv.conf.json", conf)
    before = json.loads(conf.read_text())
    report = tmp_path / "aa.json"
    report.write_text(json.dumps(_report([_row("a.A.time_x", _noisy(0.2, 8, 11), _noisy(0.2, 8, 12))])))
    for _ in range(2):  # a second update replaces the first one's entries, it does not add to them
        assert cli.main(["power", str(report), "--trials", "20", "--update-config", str(conf)]) == 0
    capsys.readouterr()
    after = json.loads(conf.read_text())
    thresholds = after.pop("regressions_thresholds")
    old = before.pop("regressions_thresholds")
    assert after == before, "only regressions_thresholds may change"
    measured = {k: v for k, v in thresholds.items() if power.is_measured_entry(k)}
    classes = {k: v for k, v in old.items() if not power.is_measured_entry(k)}
    assert len(measured) == 1 and {k: v for k, v in thresholds.items() if k not in measured} == classes
    assert '"matrix": {\n        "req": {' in conf.read_text(), "the hand-written layout is kept"

    def asv_threshold(name):  # asv.plugins.regressions: the largest threshold whose regex matches
        return max(float(v) for k, v in thresholds.items() if re.match(k, name))

    (value,) = measured.values()
    assert asv_threshold("a.A.time_x(1000)") == asv_threshold("a.A.time_x(1000)@main") == max(value, classes[".*"])
    assert asv_threshold("a.A.time_x(10000)") == classes[".*"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"matrix": {}}')
    assert cli.main(["power", str(report), "--trials", "20", "--update-config", str(broken)]) == 2
    assert "regressions_thresholds" in capsys.readouterr().err


def test_the_vectorised_simulation_applies_the_release_checks_rule_row_by_row():
    """_flagged_share judges each simulated check as stats.median_ratio / welch_log_test / verdict would."""
    import math

    import numpy as np

    from kbench import stats

    res = np.log(np.array(_noisy(0.15, 8, 3)))
    res = res - res.mean()
    for slowdown in (1.0, 1.2, 1.5):
        for seed in range(3):
            share = power._flagged_share(res, 6, slowdown, 1.1, 0.05, 64, np.random.default_rng(seed))
            rng = np.random.default_rng(seed)  # the same draws, judged one check at a time
            lb = rng.choice(res, (64, 6))
            lc = rng.choice(res, (64, 6)) + math.log(slowdown)
            flagged = 0
            for b, c in zip(np.exp(lb), np.exp(lc)):
                _, p = stats.welch_log_test(list(b), list(c))
                if not math.isnan(p):
                    flagged += bool(stats.verdict(stats.median_ratio(list(b), list(c)), p, True, 1.1, 0.05)[2])
            assert share == pytest.approx(flagged / 64), (slowdown, seed)
    constant = np.zeros(4)  # no spread at all: never a flag, whatever the slowdown
    assert power._flagged_share(constant, 6, 2.0, 1.1, 0.05, 16, np.random.default_rng(0)) == 0.0


def test_thresholds_for_asv_conf_are_a_dozen_regexes_rounded_up():
    """One regex per parameter set made asv publish recompile patterns beyond the re module's cache; grouped by
    step they stay few, and no set's threshold goes down."""
    import re

    per_set = {f"^{re.escape(f'a.A.time_x({n})')}(@.*)?$": 0.05 + n / 1000 for n in range(600)}
    grouped = power.grouped_thresholds(per_set)
    assert len(grouped) <= len(power.THRESHOLD_STEPS) < 512
    for regex, value in per_set.items():
        name = regex[1:-len("(@.*)?$")].replace("\\", "")
        matching = [v for k, v in grouped.items() if re.match(k, name) and re.match(k, name + "@main")]
        if value <= power.THRESHOLD_FLOOR:
            assert not matching  # the ".*" class covers it
        else:
            assert len(matching) == 1 and matching[0] >= value - 1e-9
    assert all(power.is_measured_entry(k) for k in grouped)
