"""The kbench pages: overview, scaling, memory order, Numba releases, roofline and environments.

Each ``render_*`` function takes the loaded :class:`Context` and returns ``{filename: html}`` for the pages it
makes; nothing here touches the results folder.
"""
from __future__ import annotations

import collections
import dataclasses
import math
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import compare as C
from . import _data as D
from . import _html as H
from . import _svg as S

REGRESSION_FACTOR = C.DEFAULT_FACTOR  # the factor of the one rule; on this site's own ratios only a guide line
VECTOR_LAYOUTS = ("contiguous", "strided")
MATRIX_LAYOUTS = ("CC", "CF", "FC", "FF")
ROOFLINE_SKIP = ("Layout", "HostArrays", "Memory")  # kernel classes the roofline leaves out


@dataclasses.dataclass
class Context:
    results_dir: Path
    machines: Dict[str, D.Machine]
    benchmarks: Dict[str, Dict[str, Any]]
    reports: List[Dict[str, Any]]
    report_pages: Dict[str, Dict[str, str]]  # report stem -> {"html": ..., "json": ..., "md": ...} (relative)
    asv_status: str  # "" when asv publish worked, else what went wrong
    vendor_status: str  # "" when asv's scripts were made local, else a warning
    problems: List[str] = dataclasses.field(default_factory=list)  # files left out because they are damaged
    history_notes: List[Dict[str, str]] = dataclasses.field(default_factory=list)

    def names(self) -> List[str]:
        return D.benchmark_names(self.machines)


# --------------------------------------------------------------------------------------------- helpers

def _asv_link(name: str, text: Optional[str] = None, prefix: str = "../") -> str:
    return f'<a href="{prefix}index.html#{H.esc(name)}">{H.esc(text or "history in asv")}</a>'


def _quick_tag(machine: D.Machine) -> str:
    return (' <span class="tag quick" title="--quick runs: one sample each, a smoke test, not a measurement">'
            'quick run</span>') if machine.quick else ""


def _machine_heading(machine: D.Machine, level: int = 2, context: str = "") -> str:
    info = machine.info
    bits = [info.get("cpu"), f"{info.get('num_cpu')} CPUs" if info.get("num_cpu") else None, info.get("arch")]
    gpus = machine.gpus
    if gpus:
        names = collections.Counter(g.get("name") or "GPU" for g in gpus)
        bits.append(", ".join(f"{n} x {k}" if n > 1 else str(k) for k, n in names.items()))
    desc = " \u00b7 ".join(str(b) for b in bits if b)
    ident = D.slug("m-" + (context + "-" if context else "") + machine.name)
    return (f'<h{level} id="{ident}">Machine <code>{H.esc(machine.name)}</code>'
            f'{_quick_tag(machine)}</h{level}><p class="note">{H.esc(desc)}</p>')


def _env_summary(env: D.Env, newest: bool, rf: Optional[D.ResultFile] = None) -> str:
    extra = f" \u00b7 commit <code>{rf.short}</code> ({H.fmt_date(rf.date)})" if rf else ""
    star = " (newest Numba)" if newest else ""
    return f"{H.esc(env.label)}{star}<span class='note'> \u2014 <code>{H.esc(env.name)}</code>{extra}</span>"


def _params_text(params: Dict[str, Any], skip: Sequence[str] = ()) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items() if k not in skip)


def _kernel_classes(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """Timing benchmarks of a kernel family with size and target parameters, by class (module.Class)."""
    out: Dict[str, Dict[str, Any]] = {}
    for name in ctx.names():
        family = D.family_of(name)
        if family is None or D.type_of(name, ctx.benchmarks) != "time":
            continue
        pnames = (ctx.benchmarks.get(name) or {}).get("param_names") or []
        if "size" not in pnames or "target" not in pnames:
            continue
        cls = name.rsplit(".", 1)[0]
        out[cls] = {"name": name, "family": family, "class": cls.split(".")[-1], "param_names": pnames}
    return out


def _rate_kind(ctx: Context, cls: str, family: str) -> str:
    if f"{cls}.track_gflops" in ctx.benchmarks or family == "matmul":
        return "gflops"
    return "gbps"


RATE = {"gflops": ("GFLOP/s", "GFLOP/s (higher is better)", 0),
        "gbps": ("GB/s", "GB/s of minimum traffic (higher is better)", 1)}


def _size_label(family: str) -> str:
    return "matrix size n (n \u00d7 n operands)" if family == "matmul" else "vector length n (elements)"


def _target_style(family: str, target: str) -> Tuple[str, str, bool]:
    """(colour, marker, dashed): the same target always looks the same; GPU targets are dashed squares."""
    gpu = D.target_device(family, target) == "gpu"
    return S.color(D.target_index(family, target)), ("square" if gpu else "circle"), gpu


def _group(measurements: Sequence[D.Measurement], keys: Sequence[str]) -> Dict[tuple, List[D.Measurement]]:
    out: Dict[tuple, List[D.Measurement]] = collections.OrderedDict()
    for m in measurements:
        out.setdefault(tuple(m.params.get(k) for k in keys), []).append(m)
    return out


def _sort_key(v):
    return (0, v) if isinstance(v, (int, float)) else (1, str(v))


def envs_newest_commit_first(machine: D.Machine, names: Sequence[str], benchmarks) -> List[D.Env]:
    """The environments of ``machine`` that have results for any of ``names``, the one holding the newest
    commit's results first: by the commit date asv stores, a regular run before a release check's side
    (which holds a selection only) at the same commit, then the run's start, then by Numba release, newest first.
    So a view opens on what the current code does, not on the newest Numba of an old commit."""
    keyed = []
    for env in machine.envs.values():
        newest = None
        for name in names:
            rf, vals = D.latest_values(env, name, benchmarks)
            if vals:
                key = (rf.date, not env.release_check, rf.started())
                newest = key if newest is None or key > newest else newest
        if newest is not None:
            keyed.append((newest, D.version_key(env.numba), env.name, env))
    keyed.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [t[-1] for t in keyed]


# --------------------------------------------------------------------------------------------- scaling

def _scaling_charts(family: str, cls_name: str, name: str, rate_kind: str, vals: List[D.Measurement],
                    with_rate: bool = True, title_prefix: str = "") -> List[str]:
    """Time (and rate) against size, one line per target, for each (dtype, layout) in ``vals``."""
    figures = []
    extra_keys = [k for k in ("dtype", "layout") if any(k in m.params for m in vals)]
    groups = _group(vals, extra_keys)
    unit, rate_label, idx = RATE[rate_kind]
    for key in sorted(groups, key=lambda t: tuple(_sort_key(v) for v in t)):
        ms = groups[key]
        spec = dict(zip(extra_keys, key))
        dtype = spec.get("dtype", "float64")
        layout = spec.get("layout") or None
        sizes = sorted({m.params["size"] for m in ms if isinstance(m.params.get("size"), (int, float))})
        what = ", ".join(str(v) for v in key if v is not None)
        by_target = _group(ms, ["target"])
        time_chart = S.LogLogChart(f"{title_prefix}{cls_name}: time per call" + (f" ({what})" if what else ""),
                                   _size_label(family), "seconds per call (lower is better)",
                                   xfmt=S.fmt_count, yfmt=S.fmt_seconds, xticks=sizes)
        rate_chart = S.LogLogChart(f"{title_prefix}{cls_name}: {unit}" + (f" ({what})" if what else ""),
                                   _size_label(family), rate_label, xfmt=S.fmt_count, yfmt=S.fmt_number, xticks=sizes)
        missing_work = False
        for (target,) in sorted(by_target, key=lambda t: D.target_index(family, str(t[0]))):
            pts = [(m.params["size"], m.value) for m in by_target[(target,)]
                   if isinstance(m.params.get("size"), (int, float))]
            col, marker, dashed = _target_style(family, str(target))
            time_chart.add(S.Series(str(target), pts, col, marker, dashed,
                                    tooltip=lambda x, y, t=target: f"{t} at n={S.fmt_count(x)}: {S.fmt_seconds(y)}"))
            rpts = []
            for size, seconds in pts:
                w = D.work(family, int(size), str(dtype), layout)
                if w is None or seconds <= 0:
                    missing_work = True
                    continue
                rpts.append((size, w[idx] / seconds / 1e9))
            rate_chart.add(S.Series(str(target), rpts, col, marker, dashed,
                                    tooltip=lambda x, y, t=target, u=unit: f"{t} at n={S.fmt_count(x)}: {y:.3g} {u}"))
        if time_chart.empty:
            continue
        figures.append(H.figure(time_chart.render()))
        if with_rate:
            if rate_chart.empty:
                figures.append(f'<p class="empty">No {unit} for {H.esc(what)}: the kernels package could not count '
                               "the work here.</p>")
            else:
                if missing_work:
                    rate_chart.note("some points lack a work count")
                figures.append(H.figure(rate_chart.render()))
    return figures


def render_scaling(ctx: Context) -> Dict[str, str]:
    classes = _kernel_classes(ctx)
    by_family: Dict[str, List[str]] = collections.OrderedDict()
    for fam in D.families():
        for cls, meta in classes.items():
            if meta["family"] == fam:
                by_family.setdefault(fam, []).append(cls)
    pages: Dict[str, str] = {}
    overview: List[str] = []
    howto = (
        "<p>Each chart shows one kernel family on one machine: the time of one call against the problem size, "
        "on log-log axes, one line per target (implementation). Solid lines with round markers are CPU targets, "
        "dashed lines with square markers GPU targets. <b>Time: lower is better.</b> A line with slope 1 grows "
        "linearly with n (vectors), slope 3 like n\u00b3 (matrix multiply); a flat start means fixed overheads "
        "(call, launch, synchronise) dominate small sizes.</p>"
        "<p>The rate charts divide the family's own operation count (<code>work()</code>: floating-point "
        "operations or the minimum bytes moved) by the time. <b>Rates: higher is better</b>; where a curve "
        "flattens, the kernel has reached a limit (cache, memory bandwidth, compute). Hover a marker for its "
        "value. Each machine opens on the newest commit's results (its newest Numba environment when several "
        "measured that commit); the other environments, each at its own latest commit, are folded.</p>")
    if not by_family:
        overview.append('<p class="empty">No timing results of kernel families yet (run <code>kbench run</code>).</p>')
    for fam, cls_list in by_family.items():
        fam_page = f"scaling-{fam}.html"
        body = ['<p>Back to <a href="scaling.html">all families</a>.</p>']
        overview.append(f'<h2 id="{fam}">{H.esc(fam)}</h2><p><a href="{fam_page}">All environments, dtypes and '
                        f'layouts of <b>{H.esc(fam)}</b> \u2192</a></p>')
        over_figs: List[str] = []
        for cls in cls_list:
            meta = classes[cls]
            name = meta["name"]
            rate_kind = _rate_kind(ctx, cls, fam)
            body.append(f'<h2 id="{D.slug(cls)}">{H.esc(meta["class"])}</h2>'
                        f'<p class="note"><code>{H.esc(name)}</code> \u00b7 {_asv_link(name)}</p>'
                        + _doc_of(ctx, name))
            any_machine = False
            for machine in ctx.machines.values():
                envs = envs_newest_commit_first(machine, [name], ctx.benchmarks)
                newest = machine.newest_env()
                blocks = []
                for env in envs:
                    rf, vals = D.latest_values(env, name, ctx.benchmarks)
                    if not vals:
                        continue
                    figs = _scaling_charts(fam, meta["class"], name, rate_kind, vals)
                    if not figs:
                        continue
                    blocks.append(H.details(_env_summary(env, env is newest, rf), H.charts(figs),
                                            open_=not blocks, anchor=D.slug(f"{cls}-{env.anchor}")))
                    if len(blocks) == 1 and cls == cls_list[0]:
                        pick = [m for m in vals if m.params.get("dtype", "float64") == "float64"
                                and m.params.get("layout", D.default_layout(fam)) in (D.default_layout(fam), None)]
                        small = _scaling_charts(fam, meta["class"], name, rate_kind, pick or vals,
                                                with_rate=True, title_prefix=f"{machine.name}: ")
                        if small:
                            over_figs += small[:2]
                if blocks:
                    any_machine = True
                    body.append(_machine_heading(machine, 3, cls) + "\n".join(blocks))
            if not any_machine:
                body.append('<p class="empty">No results for this benchmark on any machine.</p>')
        overview.append(H.charts(over_figs) if over_figs else '<p class="empty">No results.</p>')
        pages[fam_page] = H.page(fam_page, f"Scaling: {fam}", howto, "\n".join(body))
    intro = ("<p>One section per kernel family: the newest commit's results on each machine, float64 and the "
             "default memory layout. Follow a family's link for every environment, dtype and layout.</p>")
    pages["scaling.html"] = H.page("scaling.html", "Scaling with problem size", howto, intro + "\n".join(overview))
    return pages


def _doc_of(ctx: Context, name: str) -> str:
    code = (ctx.benchmarks.get(name) or {}).get("code") or ""
    m = re.search(r'class \w+[^:]*:\s*\n\s*"""(.*?)"""', code, flags=re.S)
    if not m:
        return ""
    return f'<p class="note">{H.esc(" ".join(m.group(1).split()))}</p>'


# --------------------------------------------------------------------------------------------- memory order

def matmul_layout_ratios(vals: Sequence[D.Measurement]) -> Dict[Tuple[Any, str], Dict[str, float]]:
    """{(size, target): {layout: time / best time over the layouts}} for every (size, target) measured."""
    out: Dict[Tuple[Any, str], Dict[str, float]] = {}
    for (size, target), ms in _group(vals, ["size", "target"]).items():
        times = {m.params.get("layout"): m.value for m in ms if m.value > 0}
        if not times:
            continue
        best = min(times.values())
        out[(size, target)] = {layout: t / best for layout, t in times.items()}
    return out


def _layout_matrix_section(ctx: Context, name: str) -> List[str]:
    body = []
    for machine in ctx.machines.values():
        newest = machine.newest_env()
        blocks = []
        for env in envs_newest_commit_first(machine, [name], ctx.benchmarks):
            rf, vals = D.latest_values(env, name, ctx.benchmarks)
            if not vals:
                continue
            ratios = matmul_layout_ratios(vals)
            layouts = [lay for lay in MATRIX_LAYOUTS if any(lay in r for r in ratios.values())]
            layouts += sorted({lay for r in ratios.values() for lay in r} - set(layouts))
            lay_color = {lay: S.color(i) for i, lay in enumerate(layouts)}
            sizes = sorted({s for s, _ in ratios}, key=_sort_key)
            figs = []
            for size in sizes:
                targets = D.target_order("matmul", [t for s, t in ratios if s == size])
                groups = [(t, [(lay, ratios[(size, t)].get(lay), lay_color[lay]) for lay in layouts]) for t in targets]
                chart = S.RatioBarChart(f"n = {S.fmt_count(size)}: time of each memory order / best order", groups,
                                        legend=[(f"A,B = {lay[0]},{lay[1:]}" if len(lay) == 2 else lay, lay_color[lay])
                                                for lay in layouts])
                figs.append(H.figure(chart.render()))
            # the numbers, one row per target, one column per (size, layout)
            targets = D.target_order("matmul", [t for _, t in ratios])
            head = ["target"] + [f"n={S.fmt_count(s)}<br>{H.esc(lay)}" for s in sizes for lay in layouts]
            rows = []
            for t in targets:
                cells = [H.esc(t)]
                for s in sizes:
                    for lay in layouts:
                        r = ratios.get((s, t), {}).get(lay)
                        cells.append("\u2013" if r is None else ("\u2605 1.00" if r <= 1.0005 else f"{r:.2f}"))
                rows.append(cells)
            table = H.table(head, rows, numeric=range(1, len(head)))
            blocks.append(H.details(_env_summary(env, env is newest, rf), H.charts(figs) + table,
                                    open_=not blocks, anchor=D.slug(f"layout-{env.anchor}")))
        if blocks:
            body.append(_machine_heading(machine, 3, name) + "\n".join(blocks))
    return body


def vector_layout_ratios(vals: Sequence[D.Measurement]) -> Dict[Tuple[Any, str, Any], float]:
    """{(dtype, target, size): strided time / contiguous time}."""
    out = {}
    for (dtype, target, size), ms in _group(vals, ["dtype", "target", "size"]).items():
        t = {m.params.get("layout"): m.value for m in ms}
        if t.get("contiguous") and t.get("strided"):
            out[(dtype, target, size)] = t["strided"] / t["contiguous"]
    return out


def _layout_vector_section(ctx: Context, classes: Dict[str, Dict[str, Any]]) -> List[str]:
    body = []
    vector_classes = [(cls, meta) for cls, meta in classes.items() if "layout" in meta["param_names"]
                      and meta["family"] != "matmul"]
    for machine in ctx.machines.values():
        newest = machine.newest_env()
        blocks = []
        for env in envs_newest_commit_first(machine, [meta["name"] for _, meta in vector_classes], ctx.benchmarks):
            figs = []
            commits = set()
            for cls, meta in vector_classes:
                rf, vals = D.latest_values(env, meta["name"], ctx.benchmarks)
                ratios = vector_layout_ratios(vals)
                if not ratios:
                    continue
                commits.add(rf.short)
                fam = meta["family"]
                for dtype in sorted({d for d, _, _ in ratios}, key=_sort_key):
                    sizes = sorted({s for d, _, s in ratios if d == dtype}, key=_sort_key)
                    chart = S.LogLogChart(f"{meta['class']} ({dtype}): strided / contiguous time",
                                          _size_label(fam), "time ratio (1 = no penalty; lower is better)",
                                          xfmt=S.fmt_count, yfmt=S.fmt_number, xticks=sizes)
                    targets = D.target_order(fam, [t for d, t, _ in ratios if d == dtype])
                    for t in targets:
                        pts = [(s, r) for (d, tt, s), r in ratios.items() if d == dtype and tt == t]
                        col, marker, dashed = _target_style(fam, t)
                        chart.add(S.Series(t, pts, col, marker, dashed,
                                           tooltip=lambda x, y, t=t: f"{t} at n={S.fmt_count(x)}: strided takes {y:.2f}\u00d7"))
                    chart.add_line([(sizes[0] / 10, 1.0), (sizes[-1] * 10, 1.0)], "#888", "no penalty", dash="4 3")
                    if not chart.empty:
                        figs.append(H.figure(chart.render()))
            if figs:
                extra = f" \u00b7 commit {', '.join(sorted(commits))}"
                blocks.append(H.details(_env_summary(env, env is newest) + extra, H.charts(figs), open_=not blocks,
                                        anchor=D.slug(f"vlayout-{env.anchor}")))
        if blocks:
            body.append(_machine_heading(machine, 3, "vectors") + "\n".join(blocks))
    return body


def render_layout(ctx: Context) -> Dict[str, str]:
    howto = (
        "<p><b>Matrix multiply:</b> the same float64 <code>C = A @ B</code> is timed with A and B each in C "
        "(row-major) or Fortran (column-major) order. For every size and target, the bars show each order's time "
        "divided by the fastest order's time for that target, on a log axis that starts at 1\u00d7: "
        "<b>the best order has no bar (\u2605), and the taller a bar, the slower that order</b> (lower is "
        "better). Loops that walk memory with a large stride (a column of a C-ordered matrix) fall out of "
        "cache and show tall bars; BLAS-backed targets copy or transpose internally and stay near 1\u00d7. "
        "The table below the charts has the same numbers.</p>"
        "<p><b>Vectors:</b> each kernel is timed on a contiguous vector and on a strided view (every second "
        "element of an array twice as long). The line is strided time / contiguous time against n; 1 means no "
        "penalty, 2 means the strided view takes twice as long (lower is better). Expect about 1 while the "
        "data fits in cache and up to 2 or more once the kernel streams from memory, because every cache line "
        "brought in is only half used.</p>")
    classes = _kernel_classes(ctx)
    body = ['<h2 id="matmul">Matrix multiply: memory order of A and B</h2>']
    layout_names = [meta["name"] for cls, meta in classes.items()
                    if meta["family"] == "matmul" and "layout" in meta["param_names"]]
    if layout_names:
        for name in layout_names:
            body.append(f'<p class="note"><code>{H.esc(name)}</code> \u00b7 {_asv_link(name)}</p>')
            section = _layout_matrix_section(ctx, name)
            body += section or ['<p class="empty">No results for this benchmark yet.</p>']
    else:
        body.append('<p class="empty">No results of a matrix-multiply benchmark with a layout parameter '
                    '(<code>matmul.MatmulLayout</code>) yet.</p>')
    body.append('<h2 id="vectors">Vector kernels: contiguous against strided</h2>')
    section = _layout_vector_section(ctx, classes)
    body += section or ['<p class="empty">No vector benchmark has results for both layouts yet.</p>']
    return {"layout.html": H.page("layout.html", "Memory order", howto, "\n".join(body))}


# --------------------------------------------------------------------------------------------- releases
#
# Verdicts (regression, improvement) come only from release-check reports, which follow the one rule of
# kbench.compare. The ratios computed here from one result file per side are shown neutral: one run per side
# carries no test.

NOT_TESTED_TEXT = C.ONE_RUN_DETAIL


@dataclasses.dataclass
class ReleaseRow:
    machine: str
    series: str
    benchmark: str
    params: Dict[str, Any]
    commit: str
    values: Dict[str, float]  # numba version -> seconds
    ratios: Dict[str, float]  # numba version -> its time / the previous measured version's time
    verdict: str = C.NOT_TESTED  # always: one result file per side, no rounds to test

    @property
    def worst(self) -> float:
        """The ratio furthest from 1 (either way), for sorting; 1.0 when there is none."""
        return max(self.ratios.values(), key=lambda r: abs(math.log(r)) if r > 0 else 0.0, default=1.0)

    @property
    def beyond_factor(self) -> bool:
        """Some ratio outside [1/factor, factor]: worth a release check, not a verdict."""
        return any(r > REGRESSION_FACTOR or r < 1 / REGRESSION_FACTOR for r in self.ratios.values())


def release_rows(ctx: Context, machine: D.Machine) -> Dict[str, Tuple[List[str], List[ReleaseRow]]]:
    """Per environment series: (Numba versions in order, one row per benchmark and parameter set).

    For each benchmark and parameter set the commit is the newest one measured under at least two Numba
    releases of the series; each release's time is divided by the time of the previous release measured there.
    Every row is "not tested" (one run per side); rows come largest deviation first.
    """
    series: Dict[str, Dict[str, D.Env]] = collections.OrderedDict()
    for env in machine.sorted_envs():
        if env.numba is None:
            continue
        group = series.setdefault(env.series, {})
        # two environments of one series with the same Numba: keep the one with the newest results
        if env.numba not in group or env.files[-1].date > group[env.numba].files[-1].date:
            group[env.numba] = env
    out = {}
    time_names = [n for n in ctx.names() if D.type_of(n, ctx.benchmarks) == "time"]
    for skey, by_version in series.items():
        if len(by_version) < 2:
            continue
        versions = sorted(by_version, key=D.version_key)
        # (benchmark, params) -> commit -> (date, {version: value})
        table: Dict[Tuple[str, tuple], Dict[str, Tuple[int, Dict[str, float]]]] = {}
        for version in versions:
            for rf in by_version[version].files:
                for name in time_names:
                    for m in D.benchmark_values(rf, name, ctx.benchmarks):
                        key = (name, tuple(m.params.items()))
                        slot = table.setdefault(key, {}).setdefault(rf.commit, (rf.date, {}))
                        slot[1][version] = m.value
        rows = []
        for (name, params), commits in table.items():
            usable = [(date, commit, vals) for commit, (date, vals) in commits.items() if len(vals) >= 2]
            if not usable:
                continue
            date, commit, vals = max(usable, key=lambda t: t[0])
            ratios = {}
            previous = None
            for version in versions:
                if version not in vals:
                    continue
                if previous is not None and vals[previous] > 0:
                    ratios[version] = vals[version] / vals[previous]
                previous = version
            rows.append(ReleaseRow(machine.name, skey, name, dict(params), commit, vals, ratios))
        rows.sort(key=lambda r: (-abs(math.log(r.worst)) if r.worst > 0 else 0.0, r.benchmark,
                                 [(_sort_key(v)) for v in r.params.values()]))
        out[skey] = (versions, rows)
    return out


def _release_table(versions: List[str], rows: List[ReleaseRow]) -> str:
    head = ["benchmark", "parameters", "commit"]
    for i, v in enumerate(versions):
        head.append(f"Numba {H.esc(v)}<br>time")
        if i:
            head.append(f"{H.esc(v)} / previous")
    body = []
    for r in rows:
        cells = [f'<code>{H.esc(r.benchmark)}</code>', H.esc(_params_text(r.params)), f"<code>{r.commit[:8]}</code>"]
        for i, v in enumerate(versions):
            cells.append(S.fmt_seconds(r.values[v]) if v in r.values else "\u2013")
            if i:
                ratio = r.ratios.get(v)
                if ratio is None:
                    cells.append("\u2013")
                else:
                    cells.append(f'<span class="ratio" title="{H.esc(NOT_TESTED_TEXT)}">{ratio:.2f}\u00d7</span>')
        body.append(cells)
    numeric = [i for i in range(3, len(head))]
    return H.table(head, body, numeric=numeric)


def report_rule(report: Dict[str, Any]) -> bool:
    """True when the report's verdicts come from the current rule (rounds recovered from a fixed K, the round
    test of kbench.compare); reports written before it pooled the samples and are shown without verdicts."""
    s = report.get("settings") or {}
    return bool(s.get("samples_per_round")) and s.get("test") == C.TEST


def _report_status(report: Dict[str, Any]) -> str:
    status = report.get("exit_status")
    if status == 2:
        return '<span class="tag bad" title="the run broke: no verdict either way">run broke</span>'
    if not report_rule(report):
        return ('<span class="tag neutral" title="written before the round test: its verdicts pooled the samples '
                'of all rounds as if independent">old rule: not a verdict</span>')
    summary = report.get("summary") or {}
    extra = ", ".join(f"{summary[k]} {k}" for k in (C.UNDECIDED, C.NOT_TESTED) if summary.get(k))
    extra = f" ({H.esc(extra)})" if extra else ""
    if status == 1:
        return f'<span class="tag bad">regression</span>{extra}'
    if status == 0:
        return f'<span class="tag good">no regression</span>{extra}'
    return H.esc(status)


def _row_status(report: Dict[str, Any], row: Dict[str, Any]) -> Tuple[str, str]:
    """(status text, row class) of one report row; verdicts of old-rule reports are not shown as verdicts."""
    status = str(row.get("status"))
    if status in (C.REGRESSION, C.IMPROVEMENT, C.INCREASE, C.DECREASE, C.UNCHANGED, "not significant") \
            and not report_rule(report):
        return f"not tested (old rule said {status})", ""
    return status, {C.REGRESSION: "regression", C.IMPROVEMENT: "improvement"}.get(status, "")


def render_report_page(report: Dict[str, Any], stem: str, links: Dict[str, str]) -> str:
    """An html view of one release-check report (its JSON and Markdown are copied next to it)."""
    b = (report.get("baseline") or {}).get("version")
    c = (report.get("candidate") or {}).get("version")
    rows = report.get("rows") or []
    summary = report.get("summary") or {}
    settings = report.get("settings") or {}
    body = [f"<p>{_report_status(report)} \u00b7 machine <code>{H.esc(report.get('machine'))}</code> \u00b7 commit "
            f"<code>{H.esc(str(report.get('commit') or '')[:12])}</code> \u00b7 created {H.esc(report.get('created'))}"
            f"</p><p>Files: " + " \u00b7 ".join(f'<a href="{H.esc(href)}">{H.esc(kind)}</a>' for kind, href in links.items()
                                                if kind != "html") + ' \u00b7 <a href="../releases.html">back to the '
            "release view</a></p>"]
    if report_rule(report):
        body.append(f"<p class=\"note\">{H.esc(settings.get('rounds'))} rounds of "
                    f"{H.esc(settings.get('samples_per_round'))} samples per side; Welch's t-test on the log round "
                    f"medians, {H.esc(settings.get('adjust', 'holm'))} adjustment over the check at "
                    f"{H.esc(settings.get('alpha'))}, factor {H.esc(settings.get('factor'))}; fewer than "
                    f"{H.esc(settings.get('min_rounds'))} rounds on a side: not tested.</p>")
    else:
        body.append('<p class="warn">This report was written by the rule before the round test (all samples '
                    "pooled as if independent): its regressions and improvements are not shown as verdicts.</p>")
    if summary:
        body.append(H.table([H.esc(k) for k in summary], [[H.esc(v) for v in summary.values()]]))
    for p in report.get("problems") or []:
        body.append(f'<p class="warn">{H.esc(p)}</p>')
    interesting = [r for r in rows if r.get("status") not in ("unchanged", "skipped")]
    head = ["benchmark", "parameters", "status", "ratio", "test", f"Numba {H.esc(b)}", f"Numba {H.esc(c)}"]
    cells, classes = [], []
    for r in interesting or rows:
        params = r.get("params") or {}
        ratio = r.get("ratio")
        status, cls = _row_status(report, r)
        p, q = r.get("p_value"), r.get("q_value")
        test = (f"p {p:.2g}" + (f", q {q:.2g}" if isinstance(q, (int, float)) else "")) \
            if isinstance(p, (int, float)) and report_rule(report) else (r.get("detail") or "not tested")
        cells.append([f"<code>{H.esc(r.get('benchmark'))}</code>",
                      H.esc(", ".join(f"{k}={D.parse_param(v)}" for k, v in params.items())),
                      H.esc(status), f"{ratio:.3f}\u00d7" if isinstance(ratio, (int, float)) else H.esc(ratio),
                      H.esc(test), H.esc(_side(r.get("baseline"), r.get("unit"))),
                      H.esc(_side(r.get("candidate"), r.get("unit")))])
        classes.append(cls)
    if cells:
        body.append(f"<h2>{'Changed, undecided, untested or failed' if interesting else 'All'} rows "
                    f"({len(cells)} of {len(rows)})</h2>")
        body.append(H.table(head, cells, classes, numeric=[3, 5, 6]))
    howto = ("<p>The report of one <code>kbench release-check</code> run: every benchmark and parameter set timed "
             "under two Numba releases in interleaved rounds (one process each), the ratio candidate / baseline of "
             "the round medians (<b>above 1 the candidate is slower</b>) and the verdict of the round test. "
             "<i>Undecided</i> means beyond the factor but not shown to be real; <i>not tested</i> means too few "
             "rounds. Unchanged rows are left out; the JSON file has all of them.</p>")
    return H.page("", f"Release check: Numba {b} \u2192 {c}", howto, "\n".join(body), prefix="../")


def _side(side: Optional[Dict[str, Any]], unit: Optional[str]) -> str:
    if not side or side.get("median") is None:
        return "n/a"
    v = side["median"]
    if unit == "seconds" and isinstance(v, (int, float)):
        return S.fmt_seconds(v)
    return f"{v:.4g} {unit or ''}".strip()


def _report_verdict_rows(report: Dict[str, Any], links: Dict[str, str]) -> str:
    """The regressions and improvements of a current-rule report, for the releases page."""
    if not report_rule(report):
        return ""
    chosen = [r for r in report.get("rows") or [] if r.get("status") in (C.REGRESSION, C.IMPROVEMENT)]
    if not chosen:
        return ""
    cells, classes = [], []
    for r in chosen:
        status, cls = _row_status(report, r)
        ratio = r.get("ratio")
        cells.append([f"<code>{H.esc(r.get('benchmark'))}</code>",
                      H.esc(", ".join(f"{k}={D.parse_param(v)}" for k, v in (r.get("params") or {}).items())),
                      H.esc(status), f"{ratio:.3f}\u00d7" if isinstance(ratio, (int, float)) else H.esc(ratio),
                      H.esc(f"p {r.get('p_value'):.2g}, q {r.get('q_value'):.2g}")
                      if isinstance(r.get("p_value"), (int, float)) and isinstance(r.get("q_value"), (int, float))
                      else ""])
        classes.append(cls)
    title = (f"Verdicts of {H.esc((report.get('baseline') or {}).get('version'))} \u2192 "
             f"{H.esc((report.get('candidate') or {}).get('version'))} on {H.esc(report.get('machine'))} "
             f"({len(chosen)})")
    return H.details(title, H.table(["benchmark", "parameters", "verdict", "ratio", "test"], cells, classes,
                                    numeric=[3]), open_=True)


def render_releases(ctx: Context) -> Dict[str, str]:
    howto = (
        "<p><b>Verdicts</b> (regression, improvement) come only from <code>kbench release-check</code> "
        "reports, listed first: they run both releases in interleaved rounds and apply the project's one rule "
        "(a ratio beyond the factor and a significant test over rounds, adjusted for the number of "
        "comparisons; docs/release-check.md).</p>"
        "<p>Below them, environments that differ only in their Numba release (asv names them "
        "<code>...-numba&lt;version&gt;-...</code>) are compared at the same commit: each release's time "
        "divided by the time of the release before it (sorted by version; <b>above 1 the newer release is "
        "slower</b>). These ratios come from one result file per side, a single summary value each, so they "
        f"are <b>not tested</b> and shown neutral: two identical runs on one machine differ by several percent "
        "at the median and far more in the tail. A ratio beyond "
        f"{REGRESSION_FACTOR:.2f}\u00d7 is a reason to run a release check, not a finding.</p>")
    body = ['<h2 id="reports">Release-check reports</h2>']
    if ctx.reports:
        rows = []
        verdicts = []
        for rep in ctx.reports:
            stem = rep["_path"].stem
            links = ctx.report_pages.get(stem, {})
            summ = rep.get("summary") or {}
            counts = ", ".join(f"{H.esc(k)} {H.esc(v)}" for k, v in summ.items() if k not in ("total",))
            files = " \u00b7 ".join(f'<a href="{H.esc(href)}">{H.esc(kind)}</a>' for kind, href in links.items())
            rows.append([H.esc(rep.get("created")), f"<code>{H.esc(rep.get('machine'))}</code>",
                         f"{H.esc((rep.get('baseline') or {}).get('version'))} \u2192 "
                         f"{H.esc((rep.get('candidate') or {}).get('version'))}", _report_status(rep), counts, files])
            verdicts.append(_report_verdict_rows(rep, links))
        body.append(H.table(["created", "machine", "Numba", "verdict", "rows", "report"], rows))
        body += [v for v in verdicts if v]
    else:
        body.append('<p class="empty">No release-check reports in <code>results/release-checks/</code> yet '
                    "(<code>kbench release-check</code> writes them), so this page has no verdict to show.</p>")
    any_rows = False
    for machine in ctx.machines.values():
        per_series = release_rows(ctx, machine)
        if not per_series:
            continue
        if not any_rows:
            body.append(f'<h2 id="untested">Ratios between releases ({H.esc(NOT_TESTED_TEXT)})</h2>')
        any_rows = True
        body.append(_machine_heading(machine))
        for skey, (versions, rows) in per_series.items():
            pairs = [f"{a} \u2192 {b}" for a, b in zip(versions, versions[1:])]
            pts = []
            for r in rows:
                for i, v in enumerate(versions[1:]):
                    ratio = r.ratios.get(v)
                    if ratio is None:
                        continue
                    prev = [x for x in versions[: i + 1] if x in r.values][-1:] or ["?"]
                    pts.append((i, ratio, "#8a8a8a", f"{r.benchmark} ({_params_text(r.params)}): {prev[0]} \u2192 {v} "
                                                     f"{ratio:.3f}\u00d7, {NOT_TESTED_TEXT}"))
            chart = S.StripChart("Time of each Numba release / the previous release's (not tested)", pairs, pts,
                                 "time / previous release's time (lower is better)",
                                 hlines=[(REGRESSION_FACTOR, f"{REGRESSION_FACTOR:.2f}\u00d7", "#8a8a8a"),
                                         (1.0, "equal", "#555"),
                                         (1 / REGRESSION_FACTOR, f"{1 / REGRESSION_FACTOR:.2f}\u00d7", "#8a8a8a")],
                                 subtitle=skey, xlabel="Numba releases compared")
            beyond = [r for r in rows if r.beyond_factor]
            body.append(f"<h3>{H.esc(skey)}</h3>")
            body.append(f"<p>{len(rows)} benchmark/parameter sets compared across Numba "
                        f"{', '.join(map(H.esc, versions))}, {H.esc(NOT_TESTED_TEXT)}: no regression or improvement "
                        f"is claimed from them. {len(beyond)} have a ratio beyond {REGRESSION_FACTOR:.2f}\u00d7 "
                        "either way; a release check decides whether any is real.</p>")
            body.append(H.charts([H.figure(chart.render())]))
            body.append(H.details(f"All {len(rows)} benchmark/parameter sets, largest ratio first (not tested)",
                                  _release_table(versions, rows)))
    if not any_rows:
        body.append('<p class="empty">No machine has timing results under two or more Numba releases of the same '
                    "environment series yet (run <code>kbench run --matrix</code> or <code>kbench release-check"
                    "</code>).</p>")
    return {"releases.html": H.page("releases.html", "Numba releases", howto, "\n".join(body))}


# --------------------------------------------------------------------------------------------- roofline

@dataclasses.dataclass
class Ceiling:
    kind: str  # "compute" (GFLOP/s) or "memory" (GB/s)
    value: float
    label: str
    device: str
    dtype: Optional[str]
    source: str  # benchmark and environment it came from


_UNIT_SCALE = [  # (pattern in the lower-cased unit, kind, factor to GFLOP/s or GB/s)
    ("tflop", "compute", 1e3), ("gflop", "compute", 1.0), ("mflop", "compute", 1e-3), ("flop", "compute", 1e-9),
    ("tib/s", "memory", 2 ** 40 / 1e9), ("gib/s", "memory", 2 ** 30 / 1e9), ("mib/s", "memory", 2 ** 20 / 1e9),
    ("tb/s", "memory", 1e3), ("gb/s", "memory", 1.0), ("mb/s", "memory", 1e-3), ("bytes/s", "memory", 1e-9),
    ("b/s", "memory", 1e-9),
]


def _classify_ceiling(name: str, unit: str) -> Optional[Tuple[str, float]]:
    u = (unit or "").lower().replace(" ", "")
    for pattern, kind, factor in _UNIT_SCALE:
        if pattern in u:
            return kind, factor
    n = name.lower()
    if "flop" in n:
        return "compute", 1.0
    if re.search(r"gbps|bandwidth|copy|triad|stream|scale|bytes", n):
        return "memory", 1.0
    return None


def _ceiling_device(name: str, params: Dict[str, Any]) -> str:
    for v in params.values():
        if isinstance(v, str) and "." in v:
            fam, _, tgt = v.partition(".")
            if fam in D.families():
                return D.target_device(fam, tgt)
    text = " ".join([name] + [str(v) for v in params.values()]).lower()
    return "gpu" if re.search(r"gpu|cuda|cupy|device|hbm", text) else "cpu"


def _ceiling_dtype(name: str, params: Dict[str, Any]) -> Optional[str]:
    for v in params.values():
        if v in ("float32", "float64"):
            return v
    n = name.lower()
    if re.search(r"fp32|float32|single|sp\b", n):
        return "float32"
    if re.search(r"fp64|float64|double|dp\b", n):
        return "float64"
    return None


def machine_ceilings(ctx: Context, machine: D.Machine) -> List[Ceiling]:
    """Measured ceilings (``roofline.*`` track benchmarks): for each benchmark and parameter set, the best value
    over the machine's environments (newest result of each)."""
    best: Dict[Tuple[str, tuple], Ceiling] = {}
    for name in ctx.names():
        if not name.startswith("roofline.") or D.type_of(name, ctx.benchmarks) not in ("track", ""):
            continue
        kind = _classify_ceiling(name, D.unit_of(name, ctx.benchmarks))
        if kind is None:
            continue
        method = name.split(".")[-1]
        pretty = re.sub(r"^track_", "", method).replace("_", " ")
        for env in machine.envs.values():
            rf, vals = D.latest_values(env, name, ctx.benchmarks)
            for m in vals:
                value = m.value * kind[1]
                if value <= 0:
                    continue
                key = (name, tuple(m.params.items()))
                unit = "GFLOP/s" if kind[0] == "compute" else "GB/s"
                ptxt = ", ".join(str(v) for v in m.params.values())
                label = f"{pretty}{(' (' + ptxt + ')') if ptxt else ''}: {S.fmt_number(value)} {unit}"
                c = Ceiling(kind[0], value, label, _ceiling_device(name, m.params), _ceiling_dtype(name, m.params),
                            f"{name} in {env.label}, commit {rf.short}")
                if key not in best or best[key].value < value:
                    best[key] = c
    return sorted(best.values(), key=lambda c: (c.device, c.kind, -c.value))


@dataclasses.dataclass
class RoofPoint:
    number: int
    family: str
    target: str
    size: Any
    dtype: str
    device: str
    seconds: float
    flops: float
    bytes: float

    @property
    def intensity(self) -> float:
        return self.flops / self.bytes

    @property
    def gflops(self) -> float:
        return self.flops / self.seconds / 1e9


def roofline_points(ctx: Context, env: D.Env) -> Tuple[List[RoofPoint], List[str]]:
    """One point per (family, target, dtype): the largest size measured, default layout, main timing class."""
    points: List[RoofPoint] = []
    commits = set()
    for cls, meta in _kernel_classes(ctx).items():
        if meta["class"].endswith(ROOFLINE_SKIP):
            continue
        fam = meta["family"]
        rf, vals = D.latest_values(env, meta["name"], ctx.benchmarks)
        if not vals:
            continue
        default = D.default_layout(fam)
        vals = [m for m in vals if m.params.get("layout", default) == default]
        for (target, dtype), ms in _group(vals, ["target", "dtype"]).items():
            ms = [m for m in ms if isinstance(m.params.get("size"), (int, float))]
            if not ms:
                continue
            m = max(ms, key=lambda m: m.params["size"])
            dt = dtype or "float64"
            w = D.work(fam, int(m.params["size"]), str(dt), default)
            if not w or w[0] <= 0 or w[1] <= 0:
                continue
            commits.add(rf.short)
            points.append(RoofPoint(0, fam, str(target), m.params["size"], str(dt), D.target_device(fam, str(target)),
                                    m.value, w[0], w[1]))
    fam_order = {f: i for i, f in enumerate(D.families())}
    points.sort(key=lambda p: (p.device, p.dtype, fam_order.get(p.family, 99), D.target_index(p.family, p.target)))
    return points, sorted(commits)


def _roofline_chart(title: str, pts: List[RoofPoint], ceilings: List[Ceiling], subtitle: str) -> Tuple[str, Dict[int, float]]:
    peaks = [c for c in ceilings if c.kind == "compute"]
    bands = [c for c in ceilings if c.kind == "memory"]
    ai = [p.intensity for p in pts]
    p_max = max((c.value for c in peaks), default=None)
    b_max = max((c.value for c in bands), default=None)
    ridges = [c.value / b_max for c in peaks] if b_max else []
    ridges += [p_max / c.value for c in bands] if p_max else []
    xlo, xhi = S.log_range(ai + ridges, pad=0.15)
    xlo, xhi = min(xlo, min(ai + ridges) / 4), max(xhi, max(ai + ridges) * 4)
    yvals = [p.gflops for p in pts] + [c.value for c in peaks] + [c.value * xlo for c in bands]
    if bands and not peaks:
        yvals += [c.value * xhi for c in bands]
    ylo, yhi = S.log_range(yvals, pad=0.1)
    chart = S.LogLogChart(title, "arithmetic intensity (FLOP per byte of minimum traffic)",
                          "GFLOP/s (higher is better)", xfmt=S.fmt_number, yfmt=S.fmt_number, width=540, height=400,
                          subtitle=subtitle, xrange=(xlo, xhi), yrange=(ylo, yhi), legend=True)
    for i, c in enumerate(bands):
        x_end = (p_max / c.value) if p_max else xhi
        chart.add_line([(xlo, c.value * xlo), (x_end, c.value * x_end)], "#c0392b" if i == 0 else "#e67e22",
                       c.label, dash="" if i == 0 else "6 3", label_at=math.sqrt(xlo * x_end) if p_max else xlo * 3)
    for i, c in enumerate(peaks):
        x_start = (c.value / b_max) if b_max else xlo
        chart.add_line([(x_start, c.value), (xhi, c.value)], "#2c3e50" if i == 0 else "#7f8c8d", c.label,
                       dash="" if i == 0 else "6 3")
    fams = []
    attainable: Dict[int, float] = {}
    for p in pts:
        col = S.color(D.families().index(p.family) if p.family in D.families() else 0)
        if p.family not in fams:
            fams.append(p.family)
        chart.add_mark(p.intensity, p.gflops, str(p.number), col, "square" if p.device == "gpu" else "circle",
                       tooltip=f"{p.number}: {p.family}.{p.target} n={S.fmt_count(p.size)} {p.dtype}: "
                               f"{p.intensity:.3g} FLOP/B, {p.gflops:.3g} GFLOP/s")
        roof = [v for v in ((p_max,) if p_max else ()) + ((b_max * p.intensity,) if b_max else ())]
        if roof:
            attainable[p.number] = min(roof)
    for f in fams:
        chart.extra_legend.append((f, S.color(D.families().index(f) if f in D.families() else 0), "circle", None))
    if not ceilings:
        chart.note("no ceilings measured on this machine")
    return chart.render(), attainable


def render_roofline(ctx: Context) -> Dict[str, str]:
    howto = (
        "<p>The roofline model places each kernel by its <b>arithmetic intensity</b> (x: floating-point "
        "operations per byte of the minimum memory traffic, from the family's <code>work()</code>) and its "
        "<b>achieved GFLOP/s</b> (y: operations divided by the measured time; higher is better). The machine's "
        "ceilings bound what is attainable: a sloped line for memory bandwidth (GB/s \u00d7 intensity) and a "
        "flat line for peak compute. A kernel left of the ridge is memory-bound (its roof is the sloped line), "
        "right of it compute-bound. The distance below the roof is what is left on the table.</p>"
        "<p>Each numbered marker is one kernel target at the largest size measured (round: CPU, square: GPU); "
        "the table under each chart names them and gives the fraction of the roof they reach. Ceilings come "
        "from the <code>roofline.*</code> benchmarks (peak FLOP/s, STREAM copy/triad GB/s) when a machine has "
        "run them; otherwise the kernels are placed without a roof and the page says so.</p>")
    body = []
    if not ctx.machines:
        body.append('<p class="empty">No machines with results yet.</p>')
    for machine in ctx.machines.values():
        ceilings = machine_ceilings(ctx, machine)
        body.append(_machine_heading(machine))
        if ceilings:
            body.append("<h4>Measured ceilings</h4>" + H.table(
                ["device", "kind", "dtype", "value", "from"],
                [[c.device.upper(), "peak compute" if c.kind == "compute" else "memory bandwidth", H.esc(c.dtype or "any"),
                  H.esc(c.label.split(": ")[-1]), H.esc(c.source)] for c in ceilings]))
        else:
            est = [g for g in machine.gpus if g.get("fp32_peak_tflops")]
            extra = (" The environment record estimates the GPU's FP32 peak at "
                     + ", ".join(f"{g['fp32_peak_tflops']} TFLOP/s ({H.esc(g.get('name'))})" for g in est)
                     + " (from cores and clock, not measured).") if est else ""
            body.append(f'<p class="warn">No ceilings measured on this machine: no <code>roofline.*</code> results. '
                        f"The kernels are placed without a roof.{extra}</p>")
        newest = machine.newest_env()
        blocks = []
        roof_names = [meta["name"] for meta in _kernel_classes(ctx).values()
                      if not meta["class"].endswith(ROOFLINE_SKIP)]
        for env in envs_newest_commit_first(machine, roof_names, ctx.benchmarks):
            pts, commits = roofline_points(ctx, env)
            if not pts:
                continue
            rows_html = []
            for (device, dtype), group in _group_points(pts).items():
                for i, p in enumerate(group, 1):
                    p.number = i
                cs = [c for c in ceilings if c.device == device and c.dtype in (None, dtype)]
                svg, attainable = _roofline_chart(f"{machine.name}: {device.upper()} roofline, {dtype}", group, cs,
                                                  env.label)
                rows = []
                for p in group:
                    roof = attainable.get(p.number)
                    rows.append([str(p.number), H.esc(p.family), H.esc(p.target), S.fmt_count(p.size),
                                 S.fmt_seconds(p.seconds), f"{p.intensity:.3g}", f"{p.gflops:.3g}",
                                 _percent(p.gflops / roof) if roof else "\u2013"])
                table = (f"<div><h4>{device.upper()} kernels, {H.esc(dtype)}</h4>" + H.table(
                    ["#", "family", "target", "size n", "time", "FLOP/byte", "GFLOP/s", "of roof"], rows,
                    numeric=[0, 3, 4, 5, 6, 7]) + "</div>")
                rows_html.append(H.charts([H.figure(svg), table]))
            summary = _env_summary(env, env is newest) + f" \u00b7 commit {', '.join(commits)}"
            blocks.append(H.details(summary, "\n".join(rows_html), open_=not blocks,
                                    anchor=D.slug(f"roof-{env.anchor}")))
        body += blocks or ['<p class="empty">No kernel timings on this machine yet.</p>']
    return {"roofline.html": H.page("roofline.html", "Roofline", howto, "\n".join(body))}


def _percent(fraction: float) -> str:
    pct = 100.0 * fraction
    if pct < 1:
        return f"{pct:.2g} %"
    return f"{pct:.1f} %" if pct < 10 else f"{pct:.0f} %"


def _group_points(pts: List[RoofPoint]) -> Dict[Tuple[str, str], List[RoofPoint]]:
    out: Dict[Tuple[str, str], List[RoofPoint]] = collections.OrderedDict()
    for p in pts:
        out.setdefault((p.device, p.dtype), []).append(p)
    return out


# --------------------------------------------------------------------------------------------- environments

def _kv_table(pairs: Sequence[Tuple[str, Any]]) -> str:
    return H.table([], [[f"<b>{H.esc(k)}</b>", H.esc("-" if v in (None, "") else v)] for k, v in pairs])


def _record_summary(rec: Dict[str, Any]) -> List[Tuple[str, Any]]:
    """The facts of an environment record that change timings, as (label, value) rows."""
    pk = rec.get("packages") or {}
    nb = rec.get("numba") or {}
    blas = rec.get("blas") or {}
    cpu = rec.get("cpu") or {}
    py = rec.get("python") or {}
    threads = blas.get("num_threads")
    if threads is None and blas.get("num_threads_estimate") is not None:
        threads = f"library default, probably {blas.get('num_threads_estimate')}"
    elif threads is not None and blas.get("num_threads_source"):
        threads = f"{threads} [{blas.get('num_threads_source')}]"
    gpus = rec.get("gpus") or []
    cuda = rec.get("cuda") or {}
    pairs: List[Tuple[str, Any]] = [
        ("Python", f"{py.get('version')} ({py.get('implementation')})" if py else None),
    ]
    for name in ("numba", "llvmlite", "numpy", "scipy", "numba-cuda", "cupy", "threadpoolctl"):
        value = pk.get(name)
        if name == "cupy" and value and pk.get("cupy_distribution"):
            value = f"{value} ({pk['cupy_distribution']})"
        pairs.append((name, value or "not installed"))
    pairs += [
        ("Numba threading layer", nb.get("threading_layer") or nb.get("threading_layer_note")),
        ("Numba threads", nb.get("num_threads")),
        ("NUMBA_NUM_THREADS", nb.get("NUMBA_NUM_THREADS")),
        ("LLVM host CPU", nb.get("host_cpu_name")),
        ("BLAS", " ".join(str(v) for v in (blas.get("name"), blas.get("version")) if v) or None),
        ("BLAS threads", threads),
        ("CPU", f"{cpu.get('model')} ({cpu.get('usable_cores')} usable / {cpu.get('logical_cores')} logical cores)"
         if cpu else None),
        ("memory", H.fmt_bytes(rec.get("memory_bytes")) if rec.get("memory_bytes") else None),
        ("GPUs", ", ".join(str(g.get("name")) for g in gpus) if gpus else f"none ({rec.get('gpu_reason') or '-'})"),
        ("CUDA driver", cuda.get("driver_version") or next((g.get("driver_version") for g in gpus
                                                            if g.get("driver_version")), None)),
        ("CUDA simulator", "yes: GPU timings are not GPU performance" if cuda.get("simulator") else None),
        ("environment variables", ", ".join(f"{k}={v}" for k, v in sorted((rec.get("env") or {}).items())) or "none"),
        ("OS", rec.get("os")), ("host", rec.get("hostname")),
        ("timing harness", (f"asv {(rec.get('harness') or {}).get('asv') or '?'}, asv_runner "
                            f"{(rec.get('harness') or {}).get('asv_runner') or '?'}") if rec.get("harness")
         else "not recorded (runs before the harness was recorded)"),
        ("run mode", f"{rec.get('mode')}{' (quick)' if rec.get('quick') else ''}" if rec.get("mode") else None),
        ("recorded", rec.get("recorded_at") or rec.get("collected_at")),
    ]
    return [(k, v) for k, v in pairs if not (k == "CUDA simulator" and v is None)]


def _record_html(rec: Dict[str, Any]) -> str:
    out = [_kv_table(_record_summary(rec))]
    gpus = rec.get("gpus") or []
    cuda = rec.get("cuda") or {}
    if gpus:
        rows = []
        for g in gpus:
            cc = g.get("compute_capability")
            rows.append([H.esc(g.get("index")), H.esc(g.get("name")), H.esc(".".join(map(str, cc)) if cc else "-"),
                         H.esc(g.get("architecture") or "-"), H.esc(g.get("multiprocessor_count") or "-"),
                         H.esc(H.fmt_bytes(g.get("total_memory_bytes"))),
                         H.esc(f"{g['clock_rate_khz'] / 1e3:.0f} MHz" if g.get("clock_rate_khz") else "-"),
                         H.esc(f"{g['fp32_peak_tflops']} TFLOP/s" if g.get("fp32_peak_tflops") else "-"),
                         H.esc(g.get("driver_version") or cuda.get("driver_version") or "-")])
        out.append("<h4>GPUs</h4>" + H.table(["#", "name", "compute capability", "architecture", "SMs", "memory",
                                              "SM clock", "FP32 peak (est.)", "driver"], rows))
        if cuda.get("runtime_version"):
            out.append(f'<p class="note">CUDA runtime (CuPy): {H.esc(cuda["runtime_version"])}</p>')
    if rec.get("errors"):
        out.append("<h4>Probe errors</h4>" + _kv_table(sorted(rec["errors"].items())))
    return "\n".join(out)


def _comparison(machine: D.Machine, names: List[str]) -> str:
    """One column per environment with a record: the rows that differ are highlighted."""
    cols = [(n, machine.records[n][1]) for n in names if n in machine.records]
    if not cols:
        return ""
    summaries = [dict(_record_summary(rec)) for _, rec in cols]
    labels = [lab for lab, _ in _record_summary(cols[0][1])]
    for summ in summaries[1:]:
        labels += [k for k in summ if k not in labels]
    head = [""] + [H.esc(machine.envs[n].label if n in machine.envs else n) for n, _ in cols]
    rows, classes = [], []
    skip = {"recorded", "host"}
    for lab in labels:
        if lab in skip:
            continue
        values = [s.get(lab) for s in summaries]
        rows.append([f"<b>{H.esc(lab)}</b>"] + [H.esc("-" if v in (None, "") else v) for v in values])
        classes.append("differs" if len({str(v) for v in values}) > 1 else "")
    note = ('<p class="note">Highlighted rows differ between the environments.</p>' if len(cols) > 1 else "")
    return "<h3>Environments side by side</h3>" + note + H.table(head, rows, classes)


def render_environment(ctx: Context) -> Dict[str, str]:
    howto = (
        "<p>What each machine's results were measured with. The machine table is asv's <code>machine.json</code>; "
        "each environment's table is the record <code>kbench run</code> stores next to the results "
        "(<code>environment-&lt;env&gt;.json</code>): library versions, Numba's threading layer and thread "
        "count, the BLAS and its threads, the environment variables that change timings, and the GPUs. Compare "
        "two machines or two environments here before comparing their numbers. Environments without a record "
        "were run by asv directly; only asv's own parameters are known for them.</p>")
    body = []
    if not ctx.machines:
        body.append('<p class="empty">No machines with results yet.</p>')
    for machine in ctx.machines.values():
        body.append(_machine_heading(machine))
        info = machine.info
        pairs = [(k, info.get(k)) for k in ("machine", "arch", "cpu", "num_cpu", "os") if k in info]
        if info.get("ram"):
            pairs.append(("ram", H.fmt_bytes(info.get("ram"))))
        body.append("<h3>asv machine description</h3>" + _kv_table(pairs))
        names = sorted(set(machine.envs) | set(machine.records),
                       key=lambda n: (D.version_key(machine.envs[n].numba) if n in machine.envs else (0, ()), n))
        newest = machine.newest_env()
        if not names:
            body.append('<p class="empty">No results and no environment records for this machine yet.</p>')
            continue
        body.append(_comparison(machine, list(reversed(names))))
        body.append("<h3>Each environment</h3>")
        for name in reversed(names):
            env = machine.envs.get(name)
            rec = machine.records.get(name)
            label = env.label if env else name
            head = f"{H.esc(label)} <span class='note'>\u2014 <code>{H.esc(name)}</code></span>"
            parts = []
            if env:
                commits = sorted({rf.short for rf in env.files})
                req = env.files[-1].params if env.files else {}
                parts.append(f"<p>{len(env.files)} result file(s), commits {', '.join(commits)}; latest "
                             f"{H.fmt_date(env.files[-1].date)}. asv parameters: "
                             + H.esc(", ".join(f"{k}={v}" for k, v in req.items()
                                               if k not in ("machine", "arch", "cpu", "num_cpu", "os", "ram")))
                             + "</p>")
            else:
                parts.append('<p class="note">An environment record without results in this folder.</p>')
            if rec:
                parts.append(f'<p class="note">Record: <code>{H.esc(rec[0].name)}</code></p>' + _record_html(rec[1]))
                history = rec[0].with_name(rec[0].stem + ".history.jsonl")
                if history.is_file():
                    n = sum(1 for line in history.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip())
                    parts.append(f'<p class="note">{n} earlier record(s) of this environment are kept in '
                                 f"<code>{H.esc(history.name)}</code>: its packages changed over time.</p>")
            else:
                parts.append('<p class="note">No environment record (<code>kbench run</code> writes one); only '
                             "asv's parameters above are known.</p>")
            side_by_side = sum(1 for n in names if n in machine.records) > 1
            body.append(H.details(head, "\n".join(parts),
                                  open_=not side_by_side and ((env is newest) or (env is None and not machine.envs)),
                                  anchor=D.slug(f"env-{machine.name}-{name}")))
    return {"environment.html": H.page("environment.html", "Machines and environments", howto, "\n".join(body))}


# --------------------------------------------------------------------------------------------- overview

def render_index(ctx: Context) -> Dict[str, str]:
    howto = (
        "<p>This site has two halves. <b>asv's pages</b> (the links on the right of the bar above) show every "
        "benchmark's history across commits and environments, and the steps asv's own detector finds between "
        "commits (asv's heuristic on one value per commit, not the project's rule: a lead to check, not a "
        "verdict). <b>The kernel views</b> (the links on the left) cut the latest results of each machine the "
        "way the course asks: scaling with size, memory order, Numba releases against each other, the "
        "roofline, and what each machine ran with. Every page says at the top how to read it and whether "
        "higher or lower is better (times: lower; rates: higher).</p>")
    body = []
    if ctx.asv_status:
        body.append(f'<p class="warn">asv\'s own pages could not be built: {H.esc(ctx.asv_status)}. The kernel '
                    "views below still work.</p>")
    if ctx.vendor_status:
        body.append(f'<p class="warn">{H.esc(ctx.vendor_status)}</p>')
    if ctx.problems:
        body.append(f'<p class="warn">{len(ctx.problems)} file(s) in the results could not be read and are left '
                    "out of every view:</p><ul>" + "".join(f"<li><code>{H.esc(p)}</code></li>" for p in ctx.problems)
                    + "</ul>")
    body.append("<h2>Views</h2><div class='cards'>")
    cards = [
        ("scaling.html", "Scaling", "Time and GFLOP/s or GB/s against problem size, one line per target, log-log; "
         "per kernel family, machine and environment."),
        ("layout.html", "Memory order", "Matrix multiply with A and B in C or Fortran order, and strided against "
         "contiguous vectors: each relative to the best, per size and target."),
        ("releases.html", "Numba releases", "Verdicts of the committed release-check reports; each Numba "
         "release's time over the previous release's per benchmark and parameter set, shown neutral "
         "(one run per side: not tested)."),
        ("roofline.html", "Roofline", "Each kernel placed by arithmetic intensity and achieved GFLOP/s under the "
         "machine's measured ceilings."),
        ("environment.html", "Environments", "Versions, threading layer, BLAS threads and GPUs recorded for each "
         "machine and environment."),
        ("../index.html", "asv: history graphs", "asv's own site: every benchmark against commits, per "
         "environment and parameter; asv's step-detection list and feed (asv's heuristic, not a verdict)."),
    ]
    for href, title, text in cards:
        body.append(f'<div class="card"><h3><a href="{href}">{H.esc(title)}</a></h3><p>{H.esc(text)}</p></div>')
    body.append("</div>")
    body.append("<h2>Machines</h2>")
    if ctx.machines:
        rows = []
        for m in ctx.machines.values():
            envs = m.sorted_envs()
            files = [rf for e in envs for rf in e.files]
            commits = {rf.commit for rf in files}
            latest = max((rf.date for rf in files), default=None)
            gpus = ", ".join(sorted({str(g.get("name")) for g in m.gpus})) or "-"
            rows.append([f'<a href="environment.html#{D.slug("m-" + m.name)}"><code>{H.esc(m.name)}</code></a>'
                         + _quick_tag(m), H.esc(m.info.get("cpu") or "-"), H.esc(m.info.get("num_cpu") or "-"),
                         H.esc(gpus), "<br>".join(H.esc(e.label) for e in envs) or "-", str(len(commits)),
                         str(len(files)), H.fmt_date(latest) if latest else "-"])
        body.append(H.table(["machine", "CPU", "CPUs", "GPU", "environments", "commits", "result files",
                             "latest commit date"], rows, numeric=[2, 5, 6]))
    else:
        body.append(f'<p class="empty">No results in <code>{H.esc(ctx.results_dir)}</code> yet. Run '
                    "<code>kbench run</code> first.</p>")
    if ctx.reports:
        body.append(f'<p>{len(ctx.reports)} release-check report(s): see <a href="releases.html#reports">Numba '
                    "releases</a>.</p>")
    if ctx.history_notes:
        body.append('<h2 id="history-notes">Reading the history</h2><p>Changes of the harness, not of the kernels, '
                    "that move a series: read a step at one of these commits as the harness.</p>")
        body.append(H.table(["commit", "date", "what changed", "how to read the history across it"],
                            [[f"<code>{H.esc(str(n['commit'])[:8])}</code>", H.esc(n.get("date") or "-"),
                              H.esc(n.get("title") or ""), H.esc(n["text"])] for n in ctx.history_notes]))
    fams = [f for f in D.families()]
    body.append("<h2>Kernel families</h2><p>" + " \u00b7 ".join(
        f'<a href="scaling-{f}.html">{H.esc(f)}</a>' for f in fams
        if any(meta["family"] == f for meta in _kernel_classes(ctx).values())) + "</p>")
    if D.kernels_module() is None:
        body.append('<p class="warn">The <code>kernels</code> package could not be imported by the site builder, so '
                    "operation counts (GFLOP/s, GB/s, the roofline) are missing. Install the project "
                    "(<code>pip install -e .</code>) where the site is built.</p>")
    return {"index.html": H.page("index.html", "Numba kernel benchmarks", howto, "\n".join(body))}
