from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from quota_registry.api import ScopedQuerysetMixin

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "link", "created_at", "read_at", "is_read"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                help_text="Notification ids; omit to mark every unread one read.")


class NotificationViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """The caller's own in-app inbox."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_fields = {"read_at": ["isnull"]}

    @action(detail=False, methods=["post"], url_path="mark-read", serializer_class=MarkReadSerializer)
    def mark_read(self, request):
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.notification_mark_read(actor=request.user, notification_ids=serializer.validated_data.get("ids"))
        return Response({"marked": count})
