"""The API of every record on the workflow engine, made from its kind's table: one action endpoint per step (or per
group of steps that share an endpoint and a `decision`), each with its own request body in the OpenAPI schema;
`allowed_actions` and `reviews` (the decision records) in every record's detail."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from . import engine
from .inputs import serializer_for
from .models import Review


class DecisionRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "stage", "action", "from_status", "to_status", "opinion", "details", "actor_name",
                  "organisation_name", "role", "created_at"]


class WorkflowFieldsMixin(serializers.Serializer):
    """`allowed_actions` (what the caller may do now) and `reviews` (the decisions so far) of a record."""

    allowed_actions = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return engine.allowed_actions(request.user, obj) if request else []

    def get_reviews(self, obj) -> list[dict]:
        request = self.context.get("request")
        return DecisionRecordSerializer(engine.decisions_of(obj, request.user if request else None), many=True).data


def _group_serializer(kind, path, steps):
    """The body of an endpoint shared by several steps: `decision` chooses the step, and the rest is its input."""
    choices = [s.group[1] for s in steps]
    attrs = {"decision": serializers.ChoiceField(choices=choices, label=_("Decision")),
             "opinion": serializers.CharField(required=False, allow_blank=True, default="", label=_("Opinion"),
                                              max_length=Review._meta.get_field("opinion").max_length)}
    name = "".join(p.capitalize() for p in f"{kind.name}-{path}".replace("-", "_").split("_")) + "Input"
    return type(name, (serializers.Serializer,), attrs)


def _endpoint(kind, path, steps):
    grouped = steps[0].group is not None
    body = _group_serializer(kind, path, steps) if grouped else serializer_for(steps[0], kind.name)
    by_decision = {s.group[1]: s.action for s in steps} if grouped else {}
    multipart = any(s.attachments or any(f.kind == "files" for f in s.fields) for s in steps)

    def act(self, request, pk=None):
        name = steps[0].action
        if grouped:
            chosen = serializers.ChoiceField(choices=list(by_decision))
            self.get_object()  # scope first: outside it is 404, whatever the body says
            try:
                name = by_decision[chosen.run_validation(request.data.get("decision"))]
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"decision": exc.detail}) from exc
        engine.perform(actor=request.user, model=kind.model, pk=pk, action=name, data=request.data,
                       files=request.FILES if multipart else None)
        return Response(self.get_serializer(self.get_object()).data)

    act.__name__ = path.replace("-", "_")
    act.__doc__ = " / ".join(f"{s.label} ({kind.state_label(s.sources[0])}…)" for s in steps)
    parsers_used = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser] if multipart else None
    decorated = action(detail=True, methods=["post"], url_path=path, url_name=path,
                       **({"parser_classes": parsers_used} if parsers_used else {}))(act)
    return extend_schema(request={"multipart/form-data": body, "application/json": body} if multipart else body)(
        decorated)


def add_workflow_actions(viewset, kind: engine.Kind) -> type:
    """Give `viewset` one action method per endpoint of `kind`'s table (call after the class body)."""
    for path, steps in kind.endpoints().items():
        setattr(viewset, path.replace("-", "_"), _endpoint(kind, path, steps))
    return viewset
