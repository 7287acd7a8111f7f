from django_filters import rest_framework as filters
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.response import Response

from quota_registry.api import ScopedQuerysetMixin, service_call
from quota_registry.reference.models import Industry, Region, RegionLevel

from . import services
from .models import Organisation, User


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COUNTY), required=False, allow_null=True
    )
    industry = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), required=False, allow_null=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True, default=None)
    industry_name = serializers.CharField(source="industry.name", read_only=True, default=None)

    class Meta:
        model = Organisation
        fields = ["id", "kind", "name", "credit_code", "region", "region_name", "industry", "industry_name",
                  "permit_number", "management_category", "address", "contact_person", "contact_phone",
                  "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        # Uniqueness of (kind, name) and of one bureau per county is checked by the service with the
        # model's own messages, which say what to fix.
        validators = []

    def validate_credit_code(self, value):
        return value.strip().upper() if value else None


class OrganisationFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code")
    industry = filters.CharFilter(field_name="industry__code")
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = Organisation
        fields = ["kind", "region", "industry", "management_category", "is_active"]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value))


class OrganisationViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Organisations within the caller's scope. City administrators register any organisation; county
    reviewers register the enterprises of their county. Organisations are never deleted."""

    queryset = Organisation.objects.select_related("region", "industry")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = service_call(services.organisation_create, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(org).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()  # 404 outside scope
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        org = service_call(services.organisation_update, actor=request.user, organisation_id=instance.pk,
                           **serializer.validated_data)
        return Response(self.get_serializer(org).data)


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "role_display", "organisation"]


class MeView(generics.RetrieveAPIView):
    """The logged-in person, their role and organisation."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user
