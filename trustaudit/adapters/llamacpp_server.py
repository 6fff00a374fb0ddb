"""``python -m trustaudit.adapters.llamacpp_server ARGS``: llama-cpp-python's OpenAI-compatible
server (same arguments as ``python -m llama_cpp.server``) with trustaudit's AMX guard applied to
every model it loads, so that a local endpoint runs on AMX CPUs too. Prints the load parameters it
applied."""

from __future__ import annotations

import json
import sys

from ..extras import require


def main() -> None:
    require("llm", "the llama.cpp server")
    import llama_cpp
    from llama_cpp.server.__main__ import main as serve

    from .llamacpp import amx_guard

    with amx_guard(llama_cpp) as applied:  # the server loads its models inside
        print(
            f"trustaudit llama.cpp load parameters: {json.dumps(applied)}",
            file=sys.stderr,
            flush=True,
        )
        serve()


if __name__ == "__main__":
    main()
