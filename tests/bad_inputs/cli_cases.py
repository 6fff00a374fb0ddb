"""Bad command lines (arguments, canaries options, output folders) and run folders whose
manifest or ledger
has the wrong shape, for verify, --resume and --baseline."""

from __future__ import annotations

import json

from trustaudit.ledger.chain import record_line

from .harness import Case, Workspace, tabular

M = "manifest.json"
GOOD_MANIFEST = {
    "run_id": "abc",
    "started": "2026-01-01T00:00:00+00:00",
    "status": "running",
    "spec_sha256": "sha256:0",
    "models": [{"fingerprint": "f"}],
    "ledger": {
        "capture": "full",
        "hmac": False,
        "hmac_key_env": None,
        "head": None,
        "records": None,
    },
}


def args(*words: str):
    """Fixed arguments; '{tmp}' stands for the case's folder, '{spec}' for a valid spec written
    there."""

    def build(ws: Workspace) -> list[str]:
        spec = ws.spec(tabular(ws)) if any("{spec}" in w for w in words) else ""
        return [w.format(tmp=ws.tmp, spec=spec) for w in words]

    return build


def canaries(*words: str):
    return args("canaries", *words)


def run_folder(command: list[str], manifest=GOOD_MANIFEST, ledger: str = "", change=None):
    """A run folder 'run' holding ``manifest`` (after ``change``) and ``ledger``, then
    ``command``."""

    def build(ws: Workspace) -> list[str]:
        folder = ws.tmp / "run"
        folder.mkdir()
        content = (
            dict(manifest, ledger=dict(manifest["ledger"]))
            if isinstance(manifest, dict)
            else manifest
        )
        if change:
            change(content)
        ws.file(
            "run/manifest.json",
            content if isinstance(content, (str, bytes)) else json.dumps(content),
        )
        ws.file("run/ledger.jsonl", ledger)
        return args(*command)(ws)

    return build


def shape(name: str, change, place: str, uses=("verify", "resume", "baseline")) -> list[Case]:
    """The same malformed manifest given to every command that reads run folders."""
    commands = {
        "verify": ["verify", "{tmp}/run"],
        "resume": ["run", "{spec}", "--resume", "{tmp}/run"],
        "baseline": ["run", "{spec}", "--baseline", "{tmp}/run"],
    }
    return [
        Case(
            f"{use}-manifest-{name}",
            run_folder(commands[use], change=change),
            CODE[use],
            (M, place),
        )
        for use in uses
    ]


# verify judges a folder: a malformed manifest makes it broken (exit 1, "BROKEN: manifest.json:
# …"); resume and baseline cannot use it (exit 2)
CODE = {"verify": 1, "resume": 2, "baseline": 2}


def _set(path: str, value):
    def change(manifest: dict) -> None:
        *parents, last = path.split(".")
        node = manifest
        for part in parents:
            node = node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return change


SEALED = record_line(
    {"seq": 0, "kind": "seal", "files": {}, "prev_hash": "0" * 64, "hash": "x"}
).decode()
SEAL_WITHOUT_FILES = (
    json.dumps(
        {"seq": 0, "kind": "seal", "files": ["report.json"], "prev_hash": "0" * 64, "hash": "x"}
    )
    + "\n"
)

CASES = [
    Case("cli-no-command", args(), 2, ("the following arguments are required: COMMAND",)),
    Case("cli-unknown-command", args("audit"), 2, ("invalid choice: 'audit'",)),
    Case("cli-run-without-spec", args("run"), 2, ("the following arguments are required: spec",)),
    Case(
        "cli-unknown-option",
        args("run", "{spec}", "--fast"),
        2,
        ("unrecognized arguments: --fast",),
    ),
    Case(
        "cli-resume-two-specs",
        args("run", "{spec}", "{spec}", "--resume", "{tmp}"),
        2,
        ("--resume and --baseline take one spec at a time",),
    ),
    Case(
        "cli-resume-missing-folder",
        args("run", "{spec}", "--resume", "{tmp}/nothing"),
        2,
        ("--resume", "nothing: no such run folder"),
    ),
    Case(
        "cli-baseline-missing-folder",
        args("run", "{spec}", "--baseline", "{tmp}/nothing"),
        2,
        ("--baseline", "no such run folder"),
    ),
    Case(
        "cli-out-is-a-file",
        args("run", "{spec}", "--quiet", "--out", "{spec}"),
        2,
        ("--out", "is a file"),
    ),
    Case(
        "cli-out-unwritable",
        args("run", "{spec}", "--quiet", "--out", "/sys/trustaudit"),
        2,
        ("--out /sys/trustaudit", "cannot create the folder"),
    ),
    Case(
        "cli-out-under-a-file",
        args("run", "{spec}", "--quiet", "--out", "{spec}/reports"),
        2,
        ("--out", "cannot create the folder"),
    ),
    Case(
        "cli-out-missing-is-created",
        args("run", "{spec}", "--quiet", "--out", "{tmp}/a/b"),
        0,
        ("3 checks passed",),
    ),
    Case(
        "cli-second-spec-bad",
        args("run", "{spec}", "{tmp}/missing.yaml"),
        2,
        ("missing.yaml", "spec file not found"),
    ),
    Case(
        "cli-verify-missing-folder",
        args("verify", "{tmp}/nothing"),
        2,
        ("RUN_DIR", "no such run folder"),
    ),
    Case("cli-verify-not-a-run-folder", args("verify", "{tmp}"), 2, ("no ledger.jsonl",)),
    Case(
        "cli-verify-hmac-env-unset",
        args("verify", "{tmp}", "--hmac-key-env", "TRUSTAUDIT_UNSET"),
        2,
        ("--hmac-key-env", "TRUSTAUDIT_UNSET"),
    ),
    Case("canaries-out-a-folder", canaries("--out", "{tmp}"), 2, ("--out", "is a folder")),
    Case(
        "canaries-out-missing-folder",
        canaries("--out", "{tmp}/no/c.jsonl"),
        2,
        ("--out", "does not exist"),
    ),
    Case(
        "canaries-out-unwritable",
        canaries("--out", "/sys/c.jsonl"),
        2,
        ("--out /sys/c.jsonl", "cannot write"),
    ),
    Case(
        "canaries-n-negative",
        canaries("--n", "-1", "--out", "{tmp}/c.jsonl"),
        2,
        ("argument --n", "got '-1'"),
    ),
    Case(
        "canaries-n-huge",
        canaries("--n", "1000000000", "--out", "{tmp}/c.jsonl"),
        2,
        ("argument --n",),
    ),
    Case(
        "canaries-n-text",
        canaries("--n", "ten", "--out", "{tmp}/c.jsonl"),
        2,
        ("argument --n", "got 'ten'"),
    ),
    Case(
        "canaries-digits-zero",
        canaries("--digits", "0", "--out", "{tmp}/c.jsonl"),
        2,
        ("argument --digits",),
    ),
    Case(
        "canaries-digits-huge",
        canaries("--digits", "5000", "--out", "{tmp}/c.jsonl"),
        2,
        ("argument --digits",),
    ),
    Case(
        "canaries-good", canaries("--n", "2", "--out", "{tmp}/c.jsonl"), 0, ("2 canary record(s)",)
    ),
    Case(
        "verify-manifest-a-list",
        run_folder(["verify", "{tmp}/run"], manifest="[1, 2]"),
        1,
        (M, "expected a JSON object, got a list"),
    ),
    Case(
        "resume-manifest-a-list",
        run_folder(["run", "{spec}", "--resume", "{tmp}/run"], manifest="[]"),
        2,
        (M, "expected a JSON object"),
    ),
    Case(
        "baseline-manifest-a-list",
        run_folder(["run", "{spec}", "--baseline", "{tmp}/run"], manifest='"x"'),
        2,
        (M, "expected a JSON object, got text"),
    ),
    Case(
        "verify-manifest-not-json",
        run_folder(["verify", "{tmp}/run"], manifest="{run_id"),
        1,
        (M, "not a readable manifest"),
    ),
    Case(
        "baseline-manifest-not-json",
        run_folder(["run", "{spec}", "--baseline", "{tmp}/run"], manifest="{"),
        2,
        (M, "not a readable manifest"),
    ),
    *shape("ledger-a-list", _set("ledger", []), "ledger: expected an object, got a list"),
    *shape("ledger-null", _set("ledger", None), "ledger: missing", uses=("resume",)),
    *shape(
        "models-text", _set("models", "f"), "models: expected a list, got text", uses=("baseline",)
    ),
    *shape("model-without-fingerprint", _set("models", [{}]), "models[0]: expected an object"),
    *shape(
        "run-id-number", _set("run_id", 7), "run_id: expected text, got a number", uses=("resume",)
    ),
    *shape("status-missing", _set("status", None), "status: missing", uses=("verify",)),
    *shape(
        "records-text",
        _set("ledger.records", "3"),
        "ledger.records: expected a number or null, got text",
        uses=("resume",),
    ),
    *shape(
        "hmac-text", _set("ledger.hmac", "no"), "ledger.hmac: expected true/false", uses=("verify",)
    ),
    Case(
        "verify-no-manifest",
        lambda ws: (ws.file("run/ledger.jsonl", ""), ["verify", f"{ws.tmp}/run"])[1],
        1,
        ("no manifest.json",),
    ),
    Case(
        "resume-no-manifest",
        lambda ws: ((ws.tmp / "run").mkdir(), args("run", "{spec}", "--resume", "{tmp}/run")(ws))[
            1
        ],
        2,
        ("no manifest.json",),
    ),
    Case(
        "verify-empty-ledger",
        run_folder(["verify", "{tmp}/run"]),
        1,
        ("ledger.jsonl", "no seal record"),
    ),
    Case(
        "verify-ledger-garbage",
        run_folder(["verify", "{tmp}/run"], ledger="garbage\n"),
        1,
        ("ledger.jsonl line 1", "not a JSON record"),
    ),
    Case(
        "verify-ledger-list-line",
        run_folder(["verify", "{tmp}/run"], ledger="[1]\n"),
        1,
        ("ledger.jsonl line 1", "not a JSON object"),
    ),
    Case(
        "verify-seal-files-a-list",
        run_folder(["verify", "{tmp}/run"], ledger=SEAL_WITHOUT_FILES),
        1,
        ("ledger.jsonl line 1", "not in the canonical form"),
    ),
    Case(
        "resume-complete-run",  # finished by its seal, not by the manifest's status
        run_folder(["run", "{spec}", "--resume", "{tmp}/run"], ledger=SEALED),
        2,
        ("--resume", "nothing to resume"),
    ),
    Case(
        "resume-other-spec",
        run_folder(["run", "{spec}", "--resume", "{tmp}/run"]),
        2,
        ("--resume", "the spec differs"),
    ),
]
