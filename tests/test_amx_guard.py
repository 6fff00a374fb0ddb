"""The AMX guard in isolation: which builds it touches, what it sets, and that it restores
llama.cpp's default-parameter factory. A stand-in module plays llama.cpp here because a test machine
has one CPU: whether its build has AMX cannot be chosen on demand (tests/test_llm_real.py covers the
real one)."""

from __future__ import annotations

import types

import pytest

from trustaudit.adapters.llamacpp import amx_build, amx_guard


class Params:
    use_extra_bufts = True


def fake_llama_cpp(system_info: bytes) -> types.SimpleNamespace:
    inner = types.SimpleNamespace(llama_model_default_params=Params)
    return types.SimpleNamespace(llama_cpp=inner, llama_print_system_info=lambda: system_info)


AMX = b"CPU : AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 | "
NO_AMX = b"CPU : AVX2 = 1 | AVX512 = 1 | REPACK = 1 | "


@pytest.mark.parametrize(
    "info, guarded", [(AMX, True), (NO_AMX, False), (b"AMX_INT8 = 0 |", False)]
)
def test_guard_turns_off_extra_buffers_only_on_amx_builds(info, guarded):
    module = fake_llama_cpp(info)
    assert amx_build(module) is guarded
    with amx_guard(module) as applied:
        loaded = module.llama_cpp.llama_model_default_params()
    assert loaded.use_extra_bufts is (not guarded)
    assert applied == {"amx_build": guarded, "use_extra_bufts": not guarded}
    assert module.llama_cpp.llama_model_default_params is Params


def test_guard_is_undone_when_loading_fails():
    module = fake_llama_cpp(AMX)
    with pytest.raises(RuntimeError), amx_guard(module):
        raise RuntimeError("cannot load")
    assert module.llama_cpp.llama_model_default_params is Params
