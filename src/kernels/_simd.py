"""Explicit SIMD vectors for Numba CPU kernels: a vector type, six operations on it and a prefetch hint.

Numba has no vector type of its own: it leaves vectorisation to LLVM, which vectorises loops well but will not
keep a tile of accumulators in vector registers across a loop (it spills them, or keeps the tile in memory).
A register-tiled kernel such as the blocked matmul's micro-kernel needs exactly that. ``SimdVector`` is a
Numba type whose LLVM representation is a vector as wide as the target CPU's vector registers
(:func:`vector_bytes`: ``<8 x double>`` / ``<16 x float>`` with AVX-512, ``<4 x double>`` / ``<8 x float>``
otherwise), so local variables of this type are SSA vector values that LLVM keeps in registers.

Operations (each an ``@intrinsic``, usable only inside ``@njit`` code, and lazily compiled with it):

- ``vzeros(arr)``: a zero vector of ``arr``'s dtype;
- ``vload(arr, i)`` / ``vstore(arr, i, v)``: ``arr[i:i + lanes]`` as a vector (unaligned);
- ``vbroadcast(arr, i)``: ``arr[i]`` in every lane;
- ``vmuladd(a, b, c)``: ``a * b + c`` per lane, through ``llvm.fmuladd``: one FMA instruction where the CPU has
  one, a multiply and an add otherwise;
- ``vadd(a, b)``: ``a + b`` per lane;
- ``prefetch(arr, i)``: a hint (``llvm.prefetch``, for writing, into all cache levels) that ``arr[i]``'s cache
  line will soon be read and written. It never faults and changes no value; LLVM drops it where the CPU has no
  prefetch instruction.

Arrays must be 1-D, C-contiguous, float32 or float64; no bounds are checked (the caller's index arithmetic
keeps every access inside the array: the kernels using them are tested on odd sizes). On a CPU whose vectors
are narrower than 32 bytes LLVM splits each operation, so the code stays correct everywhere. The width is
fixed per process, when the first kernel using these types is compiled.
"""
from __future__ import annotations

import inspect

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from . import _host

# IRBuilder.load names the loaded type explicitly only since llvmlite 0.44 (opaque pointers)
_LOAD_TAKES_TYPE = "typ" in inspect.signature(ir.IRBuilder.load).parameters


def vector_bytes() -> int:
    """Bytes per vector: one register of the CPU Numba compiles for (64 with AVX-512, 32 otherwise)."""
    return _host.host_cpu().vector_bytes


class SimdVector(types.Type):
    def __init__(self, dtype, lanes):
        self.dtype, self.lanes = dtype, lanes
        super().__init__(name=f"SimdVector({dtype}, {lanes})")


@register_model(SimdVector)
class SimdVectorModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        element = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(element, fe_type.lanes))


def lanes(dtype) -> int:
    """Elements of ``dtype`` (a NumPy dtype) per vector."""
    return vector_bytes() // dtype.itemsize


def _vector_type(arr):
    """The vector type for a supported array type, else None (the intrinsic then does not match)."""
    if (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C"
            and arr.dtype in (types.float32, types.float64)):
        return SimdVector(arr.dtype, vector_bytes() // (arr.dtype.bitwidth // 8))
    return None


def _indexed_vector_type(arr, index):
    """The vector type for ``arr[index:index + lanes]``, else None."""
    return _vector_type(arr) if isinstance(index, types.Integer) else None


def _element_pointer(context, builder, sig, args):
    """Pointer to ``arr[index]``, for an intrinsic whose first two arguments are ``arr, index``."""
    arr_type, index_type = sig.args[:2]
    data = context.make_array(arr_type)(context, builder, args[0]).data
    return builder.gep(data, [context.cast(builder, args[1], index_type, types.intp)])


def _vector_pointer(context, builder, sig, args, vt):
    """``arr[index:index + lanes]`` as a pointer to one vector of type ``vt`` (for unaligned loads and stores)."""
    return builder.bitcast(_element_pointer(context, builder, sig, args), context.get_value_type(vt).as_pointer())


@intrinsic
def vzeros(typingctx, arr):
    vt = _vector_type(arr)
    if vt is None:
        return None

    def codegen(context, builder, sig, args):
        return ir.Constant(context.get_value_type(vt), [0.0] * vt.lanes)

    return vt(arr), codegen


@intrinsic
def vload(typingctx, arr, index):
    vt = _indexed_vector_type(arr, index)
    if vt is None:
        return None

    def codegen(context, builder, sig, args):
        ptr = _vector_pointer(context, builder, sig, args, vt)
        align = arr.dtype.bitwidth // 8
        if _LOAD_TAKES_TYPE:  # opaque pointers (llvmlite 0.44+, Numba 0.61+) carry no element type
            return builder.load(ptr, align=align, typ=context.get_value_type(vt))
        return builder.load(ptr, align=align)  # older llvmlite: the typed pointer says what is loaded

    return vt(arr, index), codegen


@intrinsic
def vstore(typingctx, arr, index, value):
    vt = _indexed_vector_type(arr, index)
    if vt is None or value != vt:
        return None

    def codegen(context, builder, sig, args):
        builder.store(args[2], _vector_pointer(context, builder, sig, args, vt), align=arr.dtype.bitwidth // 8)
        return context.get_dummy_value()

    return types.none(arr, index, value), codegen


@intrinsic
def vbroadcast(typingctx, arr, index):
    vt = _indexed_vector_type(arr, index)
    if vt is None:
        return None

    def codegen(context, builder, sig, args):
        lt = context.get_value_type(vt)
        x = builder.load(_element_pointer(context, builder, sig, args))
        first = builder.insert_element(ir.Constant(lt, ir.Undefined), x, ir.Constant(ir.IntType(32), 0))
        zeros = ir.Constant(ir.VectorType(ir.IntType(32), vt.lanes), [0] * vt.lanes)
        return builder.shuffle_vector(first, ir.Constant(lt, ir.Undefined), zeros)

    return vt(arr, index), codegen


@intrinsic
def vmuladd(typingctx, a, b, c):
    if not (isinstance(a, SimdVector) and a == b == c):
        return None

    def codegen(context, builder, sig, args):
        lt = context.get_value_type(a)
        name = f"llvm.fmuladd.v{a.lanes}f{a.dtype.bitwidth}"
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(lt, [lt, lt, lt]), name)
        return builder.call(fn, args)

    return a(a, b, c), codegen


@intrinsic
def vadd(typingctx, a, b):
    if not (isinstance(a, SimdVector) and a == b):
        return None

    def codegen(context, builder, sig, args):
        return builder.fadd(args[0], args[1])

    return a(a, b), codegen


@intrinsic
def prefetch(typingctx, arr, index):
    if _indexed_vector_type(arr, index) is None:
        return None

    def codegen(context, builder, sig, args):
        byte_ptr = ir.IntType(8).as_pointer()
        # the intrinsic's name carries its pointer type: "p0" where llvmlite emits opaque pointers, "p0i8" before
        name = "llvm.prefetch." + ("p0" if str(byte_ptr) == "ptr" else "p0i8")
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]), name)
        ptr = _element_pointer(context, builder, sig, args)
        write, keep_in_all_levels, data_cache = (ir.Constant(i32, v) for v in (1, 3, 1))
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), write, keep_in_all_levels, data_cache])
        return context.get_dummy_value()

    return types.none(arr, index), codegen
