"""``kbench noise``: how far two runs of the same commit and environment differ, per benchmark.

Give it two asv result files (two runs of one commit with the same packages: e.g. a matrix environment and the
existing environment holding the same versions, or two ``kbench run`` runs under two machine names). For every
``time_`` benchmark and parameter set it computes the ratio of medians, and reports per benchmark class the
median, 90th percentile and largest deviation, plus how many parameter sets the release check's rule (ratio
beyond the factor *and* significant) would have flagged: those would be false alarms.
"""
from __future__ import annotations

import json
import math
import statistics
import sys
from collections import defaultdict

from . import _options, compare, report, results


def configure(parser):
    parser.add_argument("first", help="asv results file of the first run")
    parser.add_argument("second", help="asv results file of the second run (same commit and packages)")
    parser.add_argument("--factor", type=_options.option_type("--factor", _options.factor),
                        default=compare.DEFAULT_FACTOR,
                        help="ratio beyond which a significant change would be flagged (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")


def measure_noise(first_path, second_path, factor=compare.DEFAULT_FACTOR):
    """Deviation per benchmark class between two asv result files. Raises ValueError naming the file when one
    is missing, a folder, or not a readable asv result file."""
    a = results.load_side(first_path, label="first")
    b = results.load_side(second_path, label="second")
    rows = compare.compare_sides(a, b, factor=factor)
    by_class = defaultdict(list)
    flagged = defaultdict(int)
    for row in rows:
        if row.type != "time" or row.ratio is None or not (row.ratio > 0) or math.isinf(row.ratio):
            continue
        key = row.benchmark.rsplit(".", 1)[0]
        by_class[key].append(abs(math.log(row.ratio)))
        if row.status in ("regression", "improvement"):
            flagged[key] += 1
    table = []
    for key in sorted(by_class):
        devs = sorted(by_class[key])
        p90 = devs[min(len(devs) - 1, int(0.9 * len(devs)))]
        table.append({"benchmark": key, "parameter_sets": len(devs),
                      "median_deviation": math.exp(statistics.median(devs)) - 1,
                      "p90_deviation": math.exp(p90) - 1, "max_deviation": math.exp(devs[-1]) - 1,
                      "false_alarms": flagged[key]})
    return table


def main(args) -> int:
    try:
        table = measure_noise(args.first, args.second, args.factor)
    except ValueError as exc:
        print(f"kbench noise: {exc}", file=sys.stderr)
        return 2
    if not table:
        print("kbench noise: no time_ benchmark measured in both files", file=sys.stderr)
        return 2
    print(json.dumps(table, indent=2) if args.json else report.render_noise(table, args.factor))
    return 0
