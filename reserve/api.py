"""/api/v1/ for the pool: entry applications (with the workflow actions), lots, balances, ledger."""
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger import selectors as ledger_reads
from ledger.models import LedgerTransaction, Lot
from quota_registry import inputs
from quota_registry.access import scope
from quota_registry.api import BoundedDateField, QuantityField, ScopedQuerysetMixin, service_call
from quota_registry.documents.models import Document
from quota_registry.documents.selectors import visible_documents
from quota_registry.documents.services import latest_documents
from quota_registry.files.services import attachments_of
from quota_registry.orgs.models import Organisation
from quota_registry.reference.models import Industry, Pollutant, Region, RegionLevel, Watershed
from quota_registry.review.api import WorkflowFieldsMixin, add_workflow_actions

from . import entries, transfers, withdrawals, workflows
from .models import (
    Allocation,
    CityTransfer,
    EntryApplication,
    EntryItem,
    PlanMeasure,
    WithdrawalApplication,
    WithdrawalItem,
)
from .public_api import ONE_LEDGER_PARAMETERS, one_ledger_response


class EntryItemSerializer(serializers.ModelSerializer):
    pollutant = serializers.CharField(source="pollutant.code")
    unit = serializers.CharField(source="pollutant.unit", read_only=True)
    quantity = QuantityField(required=False)
    accounting_method = serializers.ChoiceField(choices=[c for c, _l in entries.reduction.METHODS], required=False,
                                                default="declared")
    accounting_inputs = serializers.DictField(child=serializers.CharField(max_length=40), required=False)
    returned_lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all(), required=False, allow_null=True)
    lot = serializers.PrimaryKeyRelatedField(read_only=True)
    effective_quantity = QuantityField(read_only=True)
    verified_quantity = QuantityField(read_only=True, allow_null=True)

    class Meta:
        model = EntryItem
        fields = ["id", "pollutant", "unit", "quantity", "accounting_method", "accounting_inputs", "accounting_formula",
                  "accounting_basis", "completed", "completion_date", "returned_lot", "verified_quantity",
                  "verified_reason", "effective_quantity", "lot"]
        read_only_fields = ["id", "accounting_formula", "completed", "verified_quantity", "verified_reason",
                            "effective_quantity", "lot"]


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    mime_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    purpose = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str:
        return f"/files/{obj.pk}/"


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    sha256 = serializers.CharField()
    generated_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str | None:
        return f"/documents/{obj.pk}/download/" if obj.status == "ready" else None


class EvidenceAndDocumentsMixin(WorkflowFieldsMixin):
    """An application's evidence files and latest documents, besides its workflow (actions, decisions)."""

    evidence = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    def get_evidence(self, obj) -> list[dict]:
        return AttachmentSerializer(attachments_of(obj), many=True).data

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, obj):
        return DocumentSerializer(latest_documents(obj), many=True).data


class EntryApplicationSerializer(EvidenceAndDocumentsMixin, serializers.ModelSerializer):
    items = EntryItemSerializer(many=True, max_length=inputs.FACTOR_ROWS)
    enterprise = serializers.PrimaryKeyRelatedField(source="applicant", queryset=Organisation.objects.all(),
                                                    required=False)
    enterprise_name = serializers.CharField(source="applicant.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    watershed = serializers.SlugRelatedField(slug_field="code", queryset=Watershed.objects.all(), required=False,
                                             allow_null=True)
    class Meta:
        model = EntryApplication
        fields = ["id", "number", "status", "enterprise", "enterprise_name", "region", "filed_by_county", "source_kind",
                  "measure", "measure_description", "watershed", "permit_number", "completion_evidence", "paid", "power_unit",
                  "evidence_dates", "non_creditable_causes",
                  "items", "reviews", "evidence", "documents", "allowed_actions", "created_at", "submitted_at",
                  "decided_at", "revoke_reason"]
        read_only_fields = ["id", "number", "status", "region", "filed_by_county", "created_at", "submitted_at",
                            "decided_at", "revoke_reason"]



def _items_payload(items):
    result = []
    for item in items:
        data = dict(item)
        data["pollutant"] = data.pop("pollutant", {}).get("code")
        result.append(data)
    return result


class EntryFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code")
    pollutant = filters.CharFilter(field_name="items__pollutant__code", distinct=True)

    class Meta:
        model = EntryApplication
        fields = ["status", "source_kind", "region", "applicant", "pollutant"]


class EvidenceSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=inputs.FILES_PER_REQUEST)
    purpose = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EvidenceActionMixin:
    """`evidence`: files for a draft or returned application (the applicant). The workflow's actions are added
    from the kind's table (add_workflow_actions below)."""

    @extend_schema(request={"multipart/form-data": EvidenceSerializer})
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def evidence(self, request, pk=None):
        application = self.get_object()
        body = EvidenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service_call(self.evidence_service, actor=request.user, pk=application.pk,
                     files=body.validated_data["files"], purpose=body.validated_data["purpose"])
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)


class EntryApplicationViewSet(EvidenceActionMixin, ScopedQuerysetMixin, mixins.ListModelMixin,
                              mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                              viewsets.GenericViewSet):
    """Entry applications (入库). Enterprises file their reductions; county bureaus file abandoned and
    revoked quota (`enterprise` required). The actions are the steps of reserve/workflows.py (docs/workflows.md):
    submit, withdraw, county-review, city-prepare, city-review, verify-item, revoke; an action the current status
    does not allow is 409, one the caller's role does not allow 403."""

    queryset = EntryApplication.objects.select_related("applicant", "region", "watershed").prefetch_related(
        "items__pollutant", "items__lot")
    serializer_class = EntryApplicationSerializer
    filterset_class = EntryFilter
    evidence_service = staticmethod(entries.entry_add_evidence)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        items = _items_payload(data.pop("items"))
        enterprise = data.pop("applicant", None)
        application = service_call(entries.entry_create, actor=request.user, data=data, items=items,
                                   enterprise=enterprise)
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("applicant", None)
        items = _items_payload(data.pop("items")) if "items" in data else None
        application = service_call(entries.entry_update, actor=request.user, pk=instance.pk, data=data, items=items)
        return Response(self.get_serializer(application).data)



class LotSerializer(serializers.ModelSerializer):
    pollutant = serializers.CharField(source="pollutant.code")
    unit = serializers.CharField(source="pollutant.unit")
    region = serializers.CharField(source="region.code")
    watershed = serializers.CharField(source="watershed.code", default=None)
    enterprise = serializers.CharField(source="enterprise.name")
    industry = serializers.CharField(source="industry.code")
    quantity = QuantityField(read_only=True)
    available = QuantityField(read_only=True)
    held = QuantityField(read_only=True)
    in_pool = QuantityField(read_only=True)

    class Meta:
        model = Lot
        fields = ["id", "number", "pollutant", "unit", "region", "watershed", "enterprise", "industry", "source_kind",
                  "quantity", "in_pool", "available", "held", "status", "paid", "earmarked", "verified_on",
                  "valid_until", "completed_on"]


class LotFilter(filters.FilterSet):
    pollutant = filters.CharFilter(field_name="pollutant__code")
    region = filters.CharFilter(field_name="region__code")

    class Meta:
        model = Lot
        fields = ["pollutant", "region", "status", "source_kind", "earmarked"]


class LotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LotSerializer
    filterset_class = LotFilter
    queryset = Lot.objects.none()  # for the schema; get_queryset scopes

    def get_queryset(self):
        return ledger_reads.lots(self.request.user).order_by("valid_until", "id")


class BalanceSerializer(serializers.Serializer):
    pollutant = serializers.CharField(source="pollutant.code")
    unit = serializers.CharField(source="pollutant.unit")
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    issued = QuantityField(read_only=True)
    available = QuantityField(read_only=True)
    held = QuantityField(read_only=True)
    planned = QuantityField(read_only=True)


class BalanceView(APIView):
    """Per factor x county: issued, available, held and planned, within the caller's scope."""

    @extend_schema(responses=BalanceSerializer(many=True))
    def get(self, request):
        rows = ledger_reads.balances(request.user, pollutant=request.query_params.get("pollutant") or None,
                                  region=request.query_params.get("region") or None)
        return Response({"count": len(rows), "next": None, "previous": None,
                         "results": BalanceSerializer(rows, many=True).data})


class MovementSerializer(serializers.Serializer):
    """One movement of a transaction: the lot's number, its factor's code, the accounts it left and entered (by name)
    and the quantity."""

    lot = serializers.CharField()  # the lot's number
    pollutant = serializers.CharField()  # the factor's code
    from_account = serializers.CharField()  # the account's name
    to_account = serializers.CharField()
    quantity = QuantityField(read_only=True)


class LedgerTransactionSerializer(serializers.ModelSerializer):
    """A transaction of the ledger; its movements from the context's `lines` (`movement_lines` of the page's
    transactions, read in one query of values: a page of 50 transactions has some 500 movements)."""

    actor = serializers.CharField(source="actor_name")
    movements = serializers.SerializerMethodField()
    reverses = serializers.IntegerField(source="reverses.sequence", default=None)
    log_index = serializers.IntegerField(source="log_leaf.index", default=None)  # None until integrated (< 60 s)

    class Meta:
        model = LedgerTransaction
        fields = ["id", "sequence", "kind", "created_at", "actor", "memo", "subject_label", "reverses", "movements",
                  "hash", "previous_hash", "log_index"]

    @extend_schema_field(MovementSerializer(many=True))
    def get_movements(self, transaction) -> list[dict]:
        lines = self.context.get("lines")
        if lines is None or transaction.pk not in lines:  # one transaction alone (retrieve), or a page not yet read
            lines = ledger_reads.movement_lines([transaction.pk],
                                                cities=ledger_reads.ledger_cities(self.context["request"].user))
        quantity = QuantityField()
        return [{"lot": line.lot, "pollutant": line.code, "from_account": line.source, "to_account": line.target,
                 "quantity": quantity.to_representation(line.quantity)} for line in lines.get(transaction.pk, ())]


class IsCityStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        from quota_registry.permissions import is_city_staff

        return is_city_staff(request.user)


class LedgerPagination(PageNumberPagination):
    django_paginator_class = ledger_reads.LedgerPaginator


class LedgerViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The ledger's transactions in chain order, with whose accounts (city staff). The public ledger
    without account holders' names is /api/v1/public/ledger/."""

    permission_classes = [IsCityStaff]

    queryset = ledger_reads.ledger_transactions()
    serializer_class = LedgerTransactionSerializer
    pagination_class = LedgerPagination
    filterset_fields = ["kind"]

    def get_serializer(self, *args, **kwargs):
        if args and isinstance(args[0], list):  # a page: the movements of all its transactions in one query
            kwargs["context"] = {**self.get_serializer_context(), "lines": ledger_reads.movement_lines(
                (t.pk for t in args[0]), cities=ledger_reads.ledger_cities(self.request.user))}
        return super().get_serializer(*args, **kwargs)





class PrecheckItemSerializer(serializers.Serializer):
    pollutant = serializers.CharField(max_length=10)
    new_emission = QuantityField(label=_("New emissions"))
    # seed 003 Art 12: the three estimates, when given, of which the new emission must be the lowest
    estimates = serializers.DictField(child=serializers.CharField(max_length=40), required=False, write_only=True)
    dismantled = serializers.CharField(required=False, allow_blank=True, max_length=40, write_only=True,
                                       help_text="seed 003 Art 19: the reduction from dismantled dispersed coal-fired "
                                                 "units in a central heating project's area")


class PrecheckSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=12)
    industry = serializers.CharField(max_length=8)
    watershed = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=40)
    major_project = serializers.BooleanField(required=False, default=False)
    two_high = serializers.BooleanField(required=False, default=False)
    clean_energy = serializers.BooleanField(required=False, default=False)
    relocation = serializers.BooleanField(required=False, default=False)
    captive_power = serializers.BooleanField(required=False, default=False)
    chp_heating = serializers.BooleanField(required=False, default=False)
    central_heating = serializers.BooleanField(required=False, default=False)
    stack_height_m = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True,
                                              min_value=0, max_value=1000)
    items = PrecheckItemSerializer(many=True, min_length=1, max_length=inputs.FACTOR_ROWS)  # at most one per factor


class PrecheckResultSerializer(serializers.Serializer):
    pollutant = serializers.CharField(source="pollutant.code")
    unit = serializers.CharField(source="pollutant.unit")
    new_emission = QuantityField(read_only=True)
    ratio = serializers.DecimalField(max_digits=6, decimal_places=2)
    required = QuantityField(read_only=True)
    reason = serializers.CharField()
    eligible_available = QuantityField(read_only=True)
    sufficient = serializers.BooleanField()


class PrecheckView(APIView):
    """Before applying: per factor the ratio, the required replacement, why, what eligible quota the pool
    has now, and whether it suffices. Open to anyone; places no hold."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=PrecheckSerializer, responses=PrecheckResultSerializer(many=True))
    def post(self, request):
        body = PrecheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        project, checks = service_call(
            withdrawals.precheck, region_code=data.pop("region"), industry_code=data.pop("industry"),
            watershed_code=data.pop("watershed", None) or None, items=[dict(i) for i in data.pop("items")], **data)
        return Response({"quality_year": project.quality_year, "rule_set": withdrawals.facts.rule_set().code,
                         "items": PrecheckResultSerializer(checks, many=True).data})


class AllocationSerializer(serializers.ModelSerializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    lot_number = serializers.CharField(source="lot.number", read_only=True)
    pollutant = serializers.CharField(source="lot.pollutant.code", read_only=True)
    origin_region = serializers.CharField(source="lot.region.code", read_only=True)
    quantity = QuantityField()

    class Meta:
        model = Allocation
        fields = ["lot", "lot_number", "pollutant", "origin_region", "quantity", "chosen_by_applicant"]
        read_only_fields = ["chosen_by_applicant"]


class WithdrawalItemSerializer(serializers.ModelSerializer):
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    unit = serializers.CharField(source="pollutant.unit", read_only=True)
    new_emission = QuantityField(label=_("New emissions"))
    required = QuantityField(read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)
    estimates = serializers.DictField(child=serializers.CharField(max_length=40), required=False,
                                      write_only=True)  # seed 003 Art 12; the service refuses unknown or extra keys
    dismantled = serializers.CharField(required=False, allow_blank=True, max_length=40, write_only=True,
                                       help_text="seed 003 Art 19 (central heating): parsed by the service")
    own_replacement = QuantityField(read_only=True)
    reused = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                   help_text="seed 003 Art 18: from the unit's unbuilt project (`project.reuse_from`)")

    class Meta:
        model = WithdrawalItem
        fields = ["id", "pollutant", "unit", "new_emission", "estimates", "dismantled", "reused", "ratio", "required",
                  "own_replacement", "reason", "allocations"]
        read_only_fields = ["id", "ratio", "required", "own_replacement", "reason", "allocations"]


class PlanMeasureSerializer(serializers.ModelSerializer):
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    quantity = QuantityField()
    deadline = BoundedDateField()

    class Meta:
        model = PlanMeasure
        fields = ["pollutant", "quantity", "source", "measure", "responsible_party", "deadline", "by_government"]


def _max_length(name: str) -> int:
    return WithdrawalApplication._meta.get_field(name).max_length


class ProjectSerializer(serializers.Serializer):
    name = serializers.CharField(source="project_name", max_length=_max_length("project_name"))
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COUNTY),
                                          required=False)
    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.all())
    watershed = serializers.SlugRelatedField(slug_field="code", queryset=Watershed.objects.all(), required=False,
                                             allow_null=True)
    eia_authority = serializers.CharField(max_length=_max_length("eia_authority"))
    major_project = serializers.BooleanField(required=False, default=False)
    two_high = serializers.BooleanField(required=False, default=False)
    clean_energy = serializers.BooleanField(required=False, default=False)
    relocation = serializers.BooleanField(required=False, default=False)
    captive_power = serializers.BooleanField(required=False, default=False)
    chp_heating = serializers.BooleanField(required=False, default=False)
    central_heating = serializers.BooleanField(required=False, default=False)
    reuse_from = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                       help_text="seed 003 Art 18: the unit's earlier withdrawal whose quota it reuses")
    stack_height_m = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True,
                                              min_value=0, max_value=1000)


class WithdrawalApplicationSerializer(EvidenceAndDocumentsMixin, serializers.ModelSerializer):
    project = serializers.SerializerMethodField()
    items = WithdrawalItemSerializer(many=True, read_only=True)
    plan = PlanMeasureSerializer(source="plan_measures", many=True, read_only=True)
    enterprise = serializers.IntegerField(source="applicant_id", read_only=True)
    enterprise_name = serializers.CharField(source="applicant.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    class Meta:
        model = WithdrawalApplication
        fields = ["id", "number", "status", "enterprise", "enterprise_name", "region", "project", "rule_set",
                  "quality_year", "auto_allocate", "relies_on_government", "items", "plan", "reviews", "evidence",
                  "documents", "allowed_actions", "created_at", "submitted_at", "decided_at"]

    def get_project(self, obj) -> dict:
        return {"name": obj.project_name, "region": obj.region.code, "industry": obj.industry.code,
                "watershed": obj.watershed.code if obj.watershed_id else None, "eia_authority": obj.eia_authority,
                "major_project": obj.major_project, "two_high": obj.two_high, "clean_energy": obj.clean_energy,
                "relocation": obj.relocation, "captive_power": obj.captive_power, "chp_heating": obj.chp_heating,
                "central_heating": obj.central_heating, "reuse_from": obj.reuse_from,
                "stack_height_m": str(obj.stack_height_m) if obj.stack_height_m is not None else None}


class WithdrawalWriteSerializer(serializers.Serializer):
    project = ProjectSerializer()
    items = WithdrawalItemSerializer(many=True, max_length=inputs.FACTOR_ROWS)
    allocations = AllocationSerializer(many=True, required=False, max_length=inputs.ALLOCATIONS)
    plan = PlanMeasureSerializer(many=True, required=False, max_length=inputs.PLAN_ROWS)
    relies_on_government = serializers.BooleanField(required=False, default=False)


def _withdrawal_payload(data: dict) -> dict:
    project = dict(data.get("project") or {})
    region = project.pop("region", None)
    fields = {**project}
    if "relies_on_government" in data:
        fields["relies_on_government"] = data["relies_on_government"]
    payload = {"data": fields, "region": region}
    if "items" in data:
        payload["items"] = [{"pollutant": i["pollutant"], "new_emission": i["new_emission"],
                             "estimates": i.get("estimates") or {}, "dismantled": i.get("dismantled"),
                             "reused": i.get("reused")}
                            for i in data["items"]]
    if "allocations" in data:
        payload["allocations"] = [dict(a) for a in data["allocations"]]
    if "plan" in data:
        payload["plan"] = [dict(p) for p in data["plan"]]
    return payload


class WithdrawalApplicationViewSet(EvidenceActionMixin, ScopedQuerysetMixin, mixins.ListModelMixin,
                                   mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Withdrawal applications (出库). Ratios and required quantities are computed by the city's rule set;
    without `allocations` the allocator picks the sources on submit, when the quantities are held. Return,
    reject and withdraw release the hold; city approval moves the quota to the enterprise's project account."""

    queryset = WithdrawalApplication.objects.select_related("applicant", "region", "industry", "watershed")
    serializer_class = WithdrawalApplicationSerializer
    filterset_fields = ["status"]
    evidence_service = staticmethod(withdrawals.withdrawal_add_evidence)

    @extend_schema(request=WithdrawalWriteSerializer, responses={201: WithdrawalApplicationSerializer})
    def create(self, request, *args, **kwargs):
        body = WithdrawalWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payload = _withdrawal_payload(body.validated_data)
        application = service_call(withdrawals.withdrawal_create, actor=request.user, **payload)
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawalWriteSerializer, responses=WithdrawalApplicationSerializer)
    def partial_update(self, request, pk=None):
        instance = self.get_object()
        body = WithdrawalWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        payload = _withdrawal_payload(body.validated_data)
        payload.pop("region", None)
        application = service_call(withdrawals.withdrawal_update, actor=request.user, pk=instance.pk, **payload)
        return Response(self.get_serializer(application).data)


add_workflow_actions(EntryApplicationViewSet, workflows.ENTRY)
add_workflow_actions(WithdrawalApplicationViewSet, workflows.WITHDRAWAL)


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Generated documents (forms, exports, reports) the caller may see: kind, status, sha256, download_url."""

    serializer_class = DocumentSerializer
    queryset = Document.objects.none()

    def get_queryset(self):
        return visible_documents(self.request.user).order_by("-requested_at")


# --- transfers between cities (issue 19) ----------------------------------------------------------------------------

class TransferSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    from_city = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level=RegionLevel.CITY))
    to_city = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COUNTY))
    watershed = serializers.SlugRelatedField(slug_field="code", queryset=Watershed.objects.all(), required=False,
                                             allow_null=True)
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    quantity = QuantityField()
    project_name = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=inputs.REASON)
    ledger_transaction = serializers.SlugRelatedField(slug_field="sequence", read_only=True)

    class Meta:
        model = CityTransfer
        fields = ["id", "number", "origin", "from_city", "to_city", "region", "watershed", "pollutant", "quantity",
                  "project_name", "reason", "status", "created_at", "ledger_transaction", "allowed_actions", "reviews"]
        read_only_fields = ["id", "number", "origin", "status", "created_at"]


class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Transfers between two cities' pools (seed 003 Arts 20-21) the caller's city requested or is asked to give
    (the province: all). The receiving city's staff request one (POST); the giving city agrees or declines, the
    province approves or refuses (the steps of reserve/workflows.py); a limit of Art 21 refuses it with the rule.
    The province's staff arrange one (POST, `origin` province; seed 002): for a project in any city's county, from
    another city's pool, awaiting only the province's approval."""

    serializer_class = TransferSerializer
    queryset = CityTransfer.objects.none()

    def get_queryset(self):
        return scope(self.request.user, CityTransfer.objects.select_related(
            "from_city", "to_city", "region", "watershed", "pollutant", "ledger_transaction")).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: getattr(v, "code", v) for k, v in body.validated_data.items()}
        made = service_call(transfers.transfer_create, actor=request.user, data=data)
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


add_workflow_actions(TransferViewSet, workflows.CITY_TRANSFER)


class OneLedgerView(APIView):
    """The province's one-ledger (一本账, seed 002) as its page shows it: the province's staff every city's rows, a
    city's staff their city's (others: 403). Parameters and rows as GET /api/v1/public/one-ledger/."""

    @extend_schema(parameters=ONE_LEDGER_PARAMETERS, responses=None)
    def get(self, request):
        user = request.user
        if not (user.is_province_staff or user.is_city_staff):
            raise PermissionDenied(_("The one-ledger is the province's and the cities' bureaus'."))
        return one_ledger_response(request, city_ids=None if user.is_province_staff else [user.city_id])
