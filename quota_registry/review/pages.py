"""The pages' side of the workflow engine: what a record's page offers the person looking at it (the steps they may
take now, each with its form) and the one handler of what they post. Templates show what this gives them
(templates/review/_workflow.html); no template or view decides which actions a record offers."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from quota_registry.files.models import Attachment
from quota_registry.inputs import OPINION

from . import engine
from .inputs import form_for
from .models import Stage


@dataclass
class Choice:
    action: str
    label: str
    confirm: str
    opinion: str  # "required", "optional" or "none"


@dataclass
class Offer:
    """What a page offers: one step, or the steps that share an endpoint (approve, return, reject: one decision form,
    the decision chosen among them), with the form of its input."""

    key: str
    title: str
    choices: list[Choice]
    button: str
    style: str
    form: object

    @property
    def confirm(self) -> str:
        return self.choices[0].confirm if len(self.choices) == 1 else ""


def offers(user, record, *, exclude=()) -> list[Offer]:
    kind = engine.kind_for(record)
    allowed = [a for a in engine.allowed_actions(user, record) if a not in exclude]
    result: dict[str, Offer] = {}
    for step in kind.steps:
        if step.action not in allowed or any(c.action == step.action for o in result.values() for c in o.choices):
            continue
        choice = Choice(step.action, str(step.label), str(step.confirm), step.opinion)
        key = step.group[0] if step.group else step.action
        if key in result:
            result[key].choices.append(choice)
            continue
        stage = step.stage(user) if callable(step.stage) else step.stage
        form = form_for(step, record, user)
        # a form with inputs says what it is for; a lone button says it itself
        title = str(Stage(stage).label) if step.group else (str(step.label) if form.fields else "")
        result[key] = Offer(key, title, [choice], str(step.label), step.style, form)
    for offer in result.values():
        if len(offer.choices) > 1:  # one decision form: the opinion is required for some decisions only
            offer.button, offer.style = _("Submit the decision"), "primary"
            needing = [f"“{c.label}”" for c in offer.choices if c.opinion == "required"]
            if "opinion" in offer.form.fields and len(needing) < len(offer.choices):
                offer.form.fields["opinion"].required = False
                offer.form.fields["opinion"].help_text = _("Required when you choose %(choices)s (at most %(limit)s "
                                                           "characters).") % {"choices": "、".join(needing),
                                                                              "limit": OPINION}
    return list(result.values())


def workflow_context(user, record, *, act_url: str, exclude=()) -> dict:
    """What the shared block of a record's page shows: its decisions (with their attachments), the steps the viewer
    may take with their forms, and why the viewer must wait (four-eyes)."""
    decisions = list(engine.decisions_of(record, user))
    files = {}
    for a in Attachment.objects.filter(content_type__model="review", object_id__in=[d.pk for d in decisions]):
        files.setdefault(a.object_id, []).append(a)
    kind = engine.kind_for(record)
    return {
        "decisions": [(d, files.get(d.pk, []), kind.state_label(d.to_status), engine.words(d)) for d in decisions],
        "offers": offers(user, record, exclude=exclude), "act_url": act_url,
        "waiting": [str(r.message).rstrip("。.") for r in engine.waiting_for_others(user, record)],  # the page ends it
        "opinion_limit": OPINION, "progress": engine.progress(record),
    }


def act(request, model, pk, *, next_url: str):
    """POST of a step's form, for every kind of record: the engine checks and does the rest; the page says what
    happened and returns to the record."""
    name = request.POST.get("action", "")
    try:
        decision = engine.perform(actor=request.user, model=model, pk=pk, action=name, data=request.POST,
                                  files=request.FILES)
        kind = engine.kind_for(model)
        message = _("Done: %(decision)s. Status now: %(status)s.") % {
            "decision": engine.words(decision), "status": kind.state_label(decision.to_status)}
        now = engine.progress(model._default_manager.get(pk=pk)) if kind.progress else None
        if now and now["holder"]:  # what happens next, and who does it
            message += _(" Next: %(holder)s handles it; you are notified of its decision.") % {"holder": now["holder"]}
        messages.success(request, message)
    except engine.TransitionNotAllowed as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Your role or jurisdiction does not allow this action."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(next_url)


def act_view(model, detail: str):
    """The page view that takes a step on a record of `model` (POST only, logged in) and returns to its page, the URL
    named `detail`."""
    from django.contrib.auth.decorators import login_required
    from django.urls import reverse
    from django.views.decorators.http import require_POST

    @login_required
    @require_POST
    def view(request, pk):
        return act(request, model, pk, next_url=reverse(detail, args=[pk]))

    view.__name__ = f"{model._meta.model_name}_act"
    return view


def with_current_status(notifications) -> list:
    """The notifications, each with `current_status`: the status of the record it is about as it is now (a message
    says what happened; the record may have moved on since)."""
    notifications = list(notifications)
    wanted = {}
    for n in notifications:
        if n.about_type_id:
            wanted.setdefault(n.about_type_id, set()).add(n.about_id)
    now = engine.current_status(wanted)
    for n in notifications:
        n.current_status = now.get((n.about_type_id, n.about_id), "")
    return notifications


def create_from_form(request, form, *, create, message, detail: str):
    """A record filed from a page's form: the service `create(actor=..., **cleaned_data)` makes it (its refusal is
    shown on the form, each message under its field); then the message and the record's page. None: show the form."""
    if request.method == "POST" and form.is_valid():
        try:
            record = create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, message(record))
            return redirect(detail, pk=record.pk)
    return None
