from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from quota_registry.api import service_call

from . import selectors, services
from .models import PermitChangeObligation


class ObligationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    withdrawal = serializers.CharField(source="withdrawal.number", read_only=True, default=None)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PermitChangeObligation
        fields = ["id", "enterprise", "enterprise_name", "region", "withdrawal", "transferred", "destination",
                  "measure_completed_on", "approved_on", "base_date", "working_days", "due_date", "provisional",
                  "status", "overdue", "filed_at", "filing_note", "confirmed_at", "permit_number", "permit_version",
                  "recorded_measure", "recorded_reduction", "recorded_transfer"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class FileSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConfirmSerializer(serializers.Serializer):
    permit_number = serializers.CharField()
    permit_version = serializers.CharField()
    recorded_measure = serializers.CharField()
    recorded_reduction = serializers.CharField()
    recorded_transfer = serializers.CharField()


class PermitChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Permit-change obligations (Art 17) in the caller's scope. `?state=open|due_soon|overdue|confirmed`,
    `?region=`. The enterprise files its application; a county or city reviewer confirms the changed permit."""

    serializer_class = ObligationSerializer
    queryset = PermitChangeObligation.objects.none()

    def get_queryset(self):
        return selectors.obligations(self.request.user, state=self.request.query_params.get("state", ""),
                                     region=self.request.query_params.get("region", "")).order_by("due_date", "id")

    @extend_schema(request={"multipart/form-data": FileSerializer})
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def file(self, request, pk=None):
        obligation = self.get_object()
        body = FileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service_call(services.obligation_file, actor=request.user, pk=obligation.pk, **body.validated_data)
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        obligation = self.get_object()
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service_call(services.obligation_confirm, actor=request.user, pk=obligation.pk, **body.validated_data)
        return Response(self.get_serializer(self.get_object()).data)
