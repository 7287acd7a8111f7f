"""docs/workflows.md, written from the engine's tables (`manage.py workflow_docs`; a test keeps it current): for
every kind of record its states as a Mermaid state diagram, and its steps as a table (who, from, to, opinion,
input, API endpoint). Labels are the ones the portal shows (Chinese); action and state codes are the API's."""
from __future__ import annotations

from django.utils import translation

from . import engine
from .models import Stage

HEADER = """# Workflows

Generated from the workflow engine's tables by `manage.py workflow_docs` (do not edit by hand; a test fails when
this file and the tables disagree). Every change of state of these records goes through
`quota_registry.review.engine.perform`: it locks the record within the caller's scope (else 404), finds the step
for the record's state (else 409), checks who may take it (else 403) and the step's guard, reads the input (400
naming the field), changes the state, writes the decision record and the audit entry, requests the documents,
notifies, and runs the step's effect last. The API's action endpoints (`POST /api/v1/<records>/{id}/<endpoint>/`)
and the pages' forms are made from the same tables. Actions marked *system* are taken by the daily jobs.
"""


def _who(step) -> str:
    return str(step.who.text)


def _stage(step) -> str:
    if callable(step.stage):
        return f"{Stage.COUNTY.label} / {Stage.CITY.label}"
    return str(Stage(step.stage).label)


def _input(step) -> str:
    names = [f"`{f.name}`{'' if f.required else '?'}" for f in step.fields]
    if step.opinion != "none":
        names.append("`opinion`" + ("" if step.opinion == "required" else "?"))
    if step.attachments:
        names.append("`attachments`?")
    return ", ".join(names) or "—"


def _endpoint(step) -> str:
    if isinstance(step.who, engine._System):
        return "*system*"
    if step.group:
        return f"`{step.group[0]}` (`decision`: `{step.group[1]}`)"
    return f"`{step.path}`"


def kind_section(kind) -> str:
    lines = [f"## {kind.description}", "", "```mermaid", "stateDiagram-v2"]
    for state in kind.states.values:
        lines.append(f'    state "{kind.state_label(state)}" as {state}')
    lines += [f"    [*] --> {state}" for state in kind.initials]
    for step in kind.steps:
        for source in step.sources:
            for target in step.leads_to():
                if target != source or step.target is None or callable(step.target):
                    lines.append(f"    {source} --> {target}: {step.label}")
    lines += ["```", "", "| Action | Button | From | To | Who | Stage | Input (`?`: optional) | Endpoint | Notes |",
              "|---|---|---|---|---|---|---|---|---|"]
    for step in kind.steps:
        to = "(unchanged)" if step.target is None else " or ".join(step.leads_to())
        lines.append(f"| `{step.action}` | {step.label} | {', '.join(step.sources)} | {to} | {_who(step)} | "
                     f"{_stage(step)} | {_input(step)} | {_endpoint(step)} | {step.notes or ''} |")
    return "\n".join(lines) + "\n"


def render() -> str:
    with translation.override("zh-hans"):
        kinds = sorted(engine.KINDS.values(), key=lambda k: ["entry", "withdrawal", "lot", "trade", "party",
                                                               "obligation"].index(k.name)
                       if k.name in ("entry", "withdrawal", "lot", "trade", "party", "obligation") else 99)
        return HEADER + "\n" + "\n".join(kind_section(kind) for kind in kinds)
