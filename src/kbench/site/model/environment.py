"""Data of the environments page: asv's machine description and, per environment, what its result files and
its ``kbench run`` record say it ran with."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .._format import fmt_bytes, fmt_date
from .records import Env, Machine, version_key

Pairs = List[Tuple[str, Any]]
MACHINE_KEYS = ("machine", "arch", "cpu", "num_cpu", "os")  # from machine.json, ram formatted after them
_COMPARE_SKIP = {"recorded", "host"}  # rows that differ between any two records and say nothing


def _threads(blas: Dict[str, Any]) -> Any:
    threads = blas.get("num_threads")
    if threads is None and blas.get("num_threads_estimate") is not None:
        return f"library default, probably {blas.get('num_threads_estimate')}"
    if threads is not None and blas.get("num_threads_source"):
        return f"{threads} [{blas.get('num_threads_source')}]"
    return threads


def record_summary(rec: Dict[str, Any]) -> Pairs:
    """The facts of an environment record that change timings, as (label, value) rows."""
    pk, nb, blas = rec.get("packages") or {}, rec.get("numba") or {}, rec.get("blas") or {}
    cpu, py, harness = rec.get("cpu") or {}, rec.get("python") or {}, rec.get("harness") or {}
    gpus, cuda = rec.get("gpus") or [], rec.get("cuda") or {}
    pairs: Pairs = [("Python", f"{py.get('version')} ({py.get('implementation')})" if py else None)]
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
        ("BLAS threads", _threads(blas)),
        ("CPU", f"{cpu.get('model')} ({cpu.get('usable_cores')} usable / {cpu.get('logical_cores')} logical cores)"
         if cpu else None),
        ("memory", fmt_bytes(rec.get("memory_bytes")) if rec.get("memory_bytes") else None),
        ("GPUs", ", ".join(str(g.get("name")) for g in gpus) if gpus else f"none ({rec.get('gpu_reason') or '-'})"),
        ("CUDA driver", cuda.get("driver_version") or next((g.get("driver_version") for g in gpus
                                                            if g.get("driver_version")), None)),
        ("CUDA simulator", "yes: GPU timings are not GPU performance" if cuda.get("simulator") else None),
        ("environment variables", ", ".join(f"{k}={v}" for k, v in sorted((rec.get("env") or {}).items())) or "none"),
        ("OS", rec.get("os")), ("host", rec.get("hostname")),
        ("timing harness", f"asv {harness.get('asv') or '?'}, asv_runner {harness.get('asv_runner') or '?'}"
         if rec.get("harness") else "not recorded (runs before the harness was recorded)"),
        ("run mode", f"{rec.get('mode')}{' (quick)' if rec.get('quick') else ''}" if rec.get("mode") else None),
        ("recorded", rec.get("recorded_at") or rec.get("collected_at")),
    ]
    return [(k, v) for k, v in pairs if not (k == "CUDA simulator" and v is None)]


@dataclasses.dataclass
class Comparison:
    """Environments with a record side by side: one row per fact, marked where they differ."""
    heads: List[str]  # environment labels
    rows: List[Tuple[str, List[Any], bool]]  # (label, value per environment, differs)


def comparison(machine: Machine, names: Sequence[str]) -> Optional[Comparison]:
    cols = [(n, machine.records[n][1]) for n in names if n in machine.records]
    if not cols:
        return None
    summaries = [dict(record_summary(rec)) for _, rec in cols]
    labels = [lab for lab, _ in record_summary(cols[0][1])]
    for summ in summaries[1:]:
        labels += [k for k in summ if k not in labels]
    rows = []
    for lab in labels:
        if lab not in _COMPARE_SKIP:
            values = [s.get(lab) for s in summaries]
            rows.append((lab, values, len({str(v) for v in values}) > 1))
    return Comparison([machine.envs[n].label if n in machine.envs else n for n, _ in cols], rows)


@dataclasses.dataclass
class EnvEntry:
    name: str
    env: Optional[Env]  # None: a record without results here
    record: Optional[Tuple[Path, Dict[str, Any]]]
    summary: Pairs  # of the record ([] without one)
    history: Optional[Tuple[str, int]]  # (file name, earlier records kept) when the record has a history file
    open: bool  # shown unfolded

    @property
    def label(self) -> str:
        return self.env.label if self.env else self.name

    @property
    def commits(self) -> List[str]:
        return sorted({rf.short for rf in self.env.files}) if self.env else []

    @property
    def latest_date(self) -> str:
        return fmt_date(self.env.files[-1].date) if self.env and self.env.files else "-"

    @property
    def asv_params(self) -> str:
        """asv's parameters of the newest result file, without the machine's own."""
        req = self.env.files[-1].params if self.env and self.env.files else {}
        return ", ".join(f"{k}={v}" for k, v in req.items() if k not in MACHINE_KEYS + ("ram",))


def _history(record_path: Path) -> Optional[Tuple[str, int]]:
    history = record_path.with_name(record_path.stem + ".history.jsonl")
    if not history.is_file():
        return None
    text = history.read_text(encoding="utf-8", errors="replace")
    return history.name, sum(1 for line in text.splitlines() if line.strip())


@dataclasses.dataclass
class MachineEnvironments:
    machine: Machine
    info: Pairs  # asv's machine description
    comparison: Optional[Comparison]
    entries: List[EnvEntry]  # newest Numba first


def _machine(machine: Machine) -> MachineEnvironments:
    info = machine.info
    pairs: Pairs = [(k, info.get(k)) for k in MACHINE_KEYS if k in info]
    if info.get("ram"):
        pairs.append(("ram", fmt_bytes(info.get("ram"))))
    names = sorted(set(machine.envs) | set(machine.records),
                   key=lambda n: (version_key(machine.envs[n].numba) if n in machine.envs else (0, ()), n))
    names.reverse()
    newest = machine.newest_env()
    side_by_side = sum(1 for n in names if n in machine.records) > 1
    entries = []
    for name in names:
        env, rec = machine.envs.get(name), machine.records.get(name)
        shown = not side_by_side and ((env is newest) or (env is None and not machine.envs))
        entries.append(EnvEntry(name, env, rec, record_summary(rec[1]) if rec else [],
                                _history(rec[0]) if rec else None, shown))
    return MachineEnvironments(machine, pairs, comparison(machine, names) if names else None, entries)


def build(model) -> List[MachineEnvironments]:
    return [_machine(m) for m in model.machines.values()]
