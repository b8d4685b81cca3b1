"""``python -m kbench`` is the same command line as the ``kbench`` script."""
import json
import subprocess
import sys


def test_python_m_kbench_runs_a_command():
    proc = subprocess.run([sys.executable, "-m", "kbench", "list", "--json"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert any(row.get("family") == "sumsq" for row in json.loads(proc.stdout))


def test_python_m_kbench_refuses_an_unknown_command_with_2():
    proc = subprocess.run([sys.executable, "-m", "kbench", "no-such-command"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2 and "no-such-command" in proc.stderr
