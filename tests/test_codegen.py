"""The code-generation series: the assembly analysis and its use on real kernels."""
import platform

import numpy as np
import pytest

import kernels
from benchmarks import codegen

ASM = """
func:
    movq %rdi, %rax
.LBB0_1:
    vmovupd (%rax), %ymm1
    vfmadd231pd %ymm1, %ymm2, %ymm0
    vaddpd %ymm0, %ymm3, %ymm3
    addq $32, %rax
    jne .LBB0_1
.LBB0_2:
    vfmadd231sd %xmm1, %xmm2, %xmm0
    jne .LBB0_2
    retq
"""


def test_hottest_inner_loop_is_the_packed_one():
    assert codegen.hottest_loop_stats(ASM) == (256, 1)


def test_no_loop_no_vectors():
    assert codegen.hottest_loop_stats("f:\n  vaddsd %xmm0, %xmm1, %xmm1\n  retq\n") == (0, 0)


def test_nested_loops_report_the_innermost():
    asm = ".L1:\n.L2:\n  vmulps %zmm1, %zmm2, %zmm3\n  jne .L2\n  vaddps %xmm1, %xmm2, %xmm3\n  jne .L1\n"
    assert codegen.inner_loops(asm) == [".L2:\n  vmulps %zmm1, %zmm2, %zmm3\n  jne .L2"]
    assert codegen.hottest_loop_stats(asm) == (512, 0)


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 assembly only")
@pytest.mark.parametrize("cache", ["0", "1"])
def test_a_vectorised_kernel_shows_its_width_even_with_the_disk_cache(cache, monkeypatch, tmp_path):
    # i-k-j matmul's inner loop is vectorised by LLVM on any x86-64 (SSE2 at least)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    kernels.use_disk_cache(cache == "1")
    try:
        width, fma = codegen.analyse("matmul.jit_ikj", "float64")
    finally:
        kernels.use_disk_cache(False)
    assert width >= 128
    assert fma >= 0


def test_the_class_reads_its_numbers_from_setup_cache_and_reports_skips_and_errors():
    bench = codegen.CodeGen()
    analyses = {("a.x", "float64"): (256, 4), ("a.y", "float64"): "skip: no dispatcher",
                ("a.z", "float64"): "error: RuntimeError: no assembly"}
    bench.setup(analyses, "a.x", "float64")
    assert (bench.track_simd_width(analyses, "a.x", "float64"), bench.track_vector_fma(analyses, "a.x", "float64")) == (256, 4)
    with pytest.raises(NotImplementedError, match="no dispatcher"):
        bench.setup(analyses, "a.y", "float64")
    with pytest.raises(RuntimeError, match="no assembly"):
        bench.setup(analyses, "a.z", "float64")
