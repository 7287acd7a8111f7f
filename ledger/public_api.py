"""The public log's endpoints (no login; ledger/log.py): the latest signed checkpoint and the verifier key as plain
text, the leaves, and the inclusion and consistency proofs of RFC 9162 with hashes in lower-case hex."""
from __future__ import annotations

import base64

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import log

MAX_LEAVES = 1000  # leaves per request


def _int(request, name: str, *, low: int = 0, high: int) -> int:
    """A whole-number query parameter within bounds, or a 400 naming it and the bounds."""
    raw = request.query_params.get(name, "")
    if not raw.isdigit() or len(raw) > 18:
        raise serializers.ValidationError({name: [_("Give a whole number.")]})
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise serializers.ValidationError({name: [_("Must be between %(low)s and %(high)s.") % {
            "low": low, "high": high}]})
    return value


class _Public(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    def handle_exception(self, exc):
        if isinstance(exc, RuntimeError):  # no signing key configured (production never makes one up)
            return Response({"detail": _("The public log is not signed yet: the operators have not configured its "
                                         "key.")}, status=503)
        return super().handle_exception(exc)


class CheckpointView(_Public):
    """The latest signed checkpoint (c2sp.org/tlog-checkpoint as a signed note), text/plain."""

    @extend_schema(responses={(200, "text/plain"): str})
    def get(self, request):
        # production: beat signs a checkpoint every 30 s; with tasks in-process (make run) there is no beat, so the
        # first reader after a change has it signed
        eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        checkpoint = (log.publish_checkpoint() if eager else None) or log.latest_checkpoint() or log.publish_checkpoint()
        return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")


class KeyView(_Public):
    """The verifier key of the checkpoints: <name>+<key hash>+<base64(0x01 || Ed25519 public key)>, text/plain."""

    @extend_schema(responses={(200, "text/plain"): str})
    def get(self, request):
        return HttpResponse(log.verifier_key() + "\n", content_type="text/plain; charset=utf-8")


class LeavesView(_Public):
    """The leaves start <= index < end (at most 1,000), each as the bytes of ledger/log.py's encoding, in base64."""

    @extend_schema(parameters=[OpenApiParameter("start", int, required=True), OpenApiParameter("end", int, required=True)],
                   responses=None)
    def get(self, request):
        size = log.size()
        start = _int(request, "start", high=size)
        end = _int(request, "end", low=start, high=min(size, start + MAX_LEAVES))
        return Response({"leaves": [{"index": leaf.index, "data": base64.b64encode(data).decode(),
                                     "transaction": leaf.transaction.sequence}
                                    for leaf, data in log.leaves(start, end)],
                         "next": f"?start={end}&end={min(size, end + MAX_LEAVES)}" if end < size else None})


class InclusionView(_Public):
    """The inclusion proof of leaf `index` in the tree of `tree_size` leaves (RFC 9162 2.1.3)."""

    @extend_schema(parameters=[OpenApiParameter("index", int, required=True),
                               OpenApiParameter("tree_size", int, required=True)], responses=None)
    def get(self, request):
        tree_size = _int(request, "tree_size", low=1, high=log.size())
        index = _int(request, "index", high=tree_size - 1)
        leaf = log.LogLeaf.objects.get(index=index)
        return Response({"index": index, "tree_size": tree_size, "leaf_hash": bytes(leaf.hash).hex(),
                         "path": [h.hex() for h in log.inclusion(index, tree_size)]})


class ConsistencyView(_Public):
    """The consistency proof between the trees of `first` and `second` leaves (RFC 9162 2.1.4)."""

    @extend_schema(parameters=[OpenApiParameter("first", int, required=True),
                               OpenApiParameter("second", int, required=True)], responses=None)
    def get(self, request):
        second = _int(request, "second", low=1, high=log.size())
        first = _int(request, "first", low=1, high=second)
        return Response({"first": first, "second": second, "path": [h.hex() for h in log.consistency(first, second)]})


class OpeningsView(APIView):
    """GET /api/v1/log/openings/?transaction=<sequence> (logged in): the openings (salt and value) of the caller's own
    commitments in that transaction's leaf, so an enterprise can prove to a bank or a buyer that a published movement
    is its own: SHA-256(salt || value) is the commitment in the leaf. Another enterprise's commitments stay closed."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("transaction", int, required=True)], responses=None)
    def get(self, request):
        sequence = _int(request, "transaction", low=1, high=10**15)
        found = log.openings_for(request.user, sequence)
        if found is None:
            return Response({"detail": _("This transaction is not in the public log yet.")}, status=404)
        leaf, opened = found
        return Response({"transaction": sequence, "index": leaf.index, "openings": opened})


class CosignView(_Public):
    """POST /api/v1/public/log/cosign (text/plain body): a checkpoint note with a registered witness's signature
    line added. 200 with the witnesses whose signatures were kept; 400 when none verifies or the body is not one of
    this log's checkpoints."""

    @extend_schema(request=None, responses=None)
    def post(self, request):
        try:
            note = request.body.decode()[:4000]
            kept = log.cosign(note)
        except (UnicodeError, ValueError) as exc:
            return Response({"detail": str(exc) or _("Not a signed note.")}, status=400)
        if not kept:
            return Response({"detail": _("No signature of a registered witness verifies over this checkpoint.")},
                            status=400)
        return Response({"tree_size": kept[0].checkpoint.tree_size, "witnesses": [c.witness.name for c in kept]})
