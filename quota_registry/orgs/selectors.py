"""Reads of people by role and place (who is told of a record)."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import CITY_ROLES, User


def city_staff(region_id: int | None, roles=CITY_ROLES) -> QuerySet:
    """The active staff in `roles` of the city that `region_id` (a county, or the city itself) belongs to: those told
    of a record located there. Another city's staff are not (issue 19: nothing of one city reaches another's)."""
    from quota_registry.jurisdiction import city_id_of, city_region_ids

    city = city_id_of(region_id)
    if city is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, role__in=list(roles), organisation__region__in=city_region_ids(city))
