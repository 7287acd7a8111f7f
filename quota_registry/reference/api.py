from django_filters import rest_framework as filters
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from quota_registry.api import ReadAnyoneWriteCityStaff, ScopedQuerysetMixin, service_call

from . import services
from .models import Industry, Pollutant, QualityStatus, Region, RegionLevel, Watershed


class PollutantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pollutant
        fields = ["code", "name", "name_en", "category", "unit"]


class WatershedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Watershed
        fields = ["code", "name", "basin"]


class RegionSerializer(serializers.ModelSerializer):
    watersheds = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    watershed_names = serializers.SlugRelatedField(source="watersheds", slug_field="name", many=True, read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "national_code", "watersheds", "watershed_names",
                  "heavy_metal_key_area"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "name", "key_heavy_metal_industry", "is_key_heavy_metal"]


class QualityStatusSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COUNTY)
    )
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = QualityStatus
        fields = ["id", "region", "year", "indicator", "attains", "basis", "updated_at", "updated_by"]
        read_only_fields = ["id", "updated_at", "updated_by"]
        validators = []  # the service upserts: posting an existing (region, year, indicator) corrects it


class ReadOnlyReference(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    pagination_class = None  # short, fixed lists


class PollutantViewSet(ReadOnlyReference):
    queryset = Pollutant.objects.all()
    serializer_class = PollutantSerializer
    filterset_fields = ["category"]


class WatershedViewSet(ReadOnlyReference):
    queryset = Watershed.objects.all()
    serializer_class = WatershedSerializer


class RegionFilter(filters.FilterSet):
    watershed = filters.CharFilter(field_name="watersheds__code")

    class Meta:
        model = Region
        fields = ["level", "heavy_metal_key_area", "watershed"]


class RegionViewSet(ReadOnlyReference):
    queryset = Region.objects.select_related("parent").prefetch_related("watersheds")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter


class IndustryFilter(filters.FilterSet):
    key_heavy_metal = filters.BooleanFilter(method="filter_key", label="key heavy-metal industry")

    class Meta:
        model = Industry
        fields = ["key_heavy_metal_industry"]

    def filter_key(self, queryset, name, value):
        return queryset.exclude(key_heavy_metal_industry="") if value else queryset.filter(key_heavy_metal_industry="")


class IndustryViewSet(ReadOnlyReference):
    queryset = Industry.objects.all()
    serializer_class = IndustrySerializer
    filterset_class = IndustryFilter


class QualityStatusFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code")

    class Meta:
        model = QualityStatus
        fields = ["region", "year", "indicator", "attains"]


class QualityStatusViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Environmental-quality status per county, year and indicator. Anyone reads; city staff write.
    POSTing an existing (region, year, indicator) corrects it; the earlier value stays in the audit trail."""

    queryset = QualityStatus.objects.select_related("region", "updated_by")
    serializer_class = QualityStatusSerializer
    permission_classes = [ReadAnyoneWriteCityStaff]
    filterset_class = QualityStatusFilter

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = service_call(services.quality_status_set, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)
