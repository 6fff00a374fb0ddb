"""The tamper table: every case of tests/tamper_cases.py against every verifier position.

    python benchmarks/bench_tamper.py

Makes the two sealed, signed demo runs (plain and keyed), applies each tampering to a fresh copy and
runs ``trustaudit verify`` as a verifier who holds nothing but the folder, the HMAC key (keyed run
only), or the signer's public key. Prints a Markdown table: "broken" (exit 1), "key required"
(exit 2), "intact" (exit 0: missed, unless the case leaves the folder untouched), and the cases
detected / missed at the position each case is tested at (tests/test_tamper.py asserts those).
Needs the 'sign' extra; takes about a minute.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.tamper_cases import CASES, LIMITS, Case, Lab, fresh_copy, make_lab, verify

VERDICTS = {0: "intact", 1: "broken", 2: "key required"}
COLUMNS = ("none", "hmac", "public key")


def row(case: Case, lab: Lab, scratch: Path) -> tuple[list[str], bool]:
    """The case's verdict at each position, and whether its tested position gave what it must."""
    folder = fresh_copy(case, lab, scratch)
    cells = []
    for position in COLUMNS:
        if position == "hmac" and case.run != "keyed":
            cells.append("n/a")
            continue
        cells.append(VERDICTS[verify(folder, lab, position)[0]])
    tested = verify(folder, lab, case.position)[0]
    return [case.name, case.run, f"{case.position}: {VERDICTS[tested]}", *cells], (
        tested == case.expect
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as root:
        lab = make_lab(Path(root))
        print("| case | run | tested at | no secret | HMAC key | public key |")
        print("|---|---|---|---|---|---|")
        results = {"detected": 0, "missed": 0}
        for number, case in enumerate(CASES + LIMITS):
            cells, as_expected = row(case, lab, Path(root) / f"case{number}")
            print("| " + " | ".join(cells) + " |")
            if case in CASES:
                results["detected" if as_expected else "missed"] += 1
        print(
            f"\n{len(CASES)} tamper cases: {results['detected']} detected at their position, "
            f"{results['missed']} missed. {len(LIMITS)} documented limits (intact without a key "
            "or signature) are all broken for the public-key holder."
        )
    return 0 if results["missed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
