"""The fee form (city staff record a paid-use fee): the typed values go through quota_registry/inputs.py's parsers,
so a value refused here is refused by the service with the same words."""
from django import forms
from django.utils.translation import gettext_lazy as _

from quota_registry.inputs import AmountFormField, BoundedDateField, LabelledErrors, QuantityFormField, text_field
from quota_registry.orgs.models import Organisation, OrganisationKind
from quota_registry.reference.models import Pollutant

from .models import PaidUseFee


class FeeForm(LabelledErrors, forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Organisation.objects.filter(
        kind=OrganisationKind.ENTERPRISE, is_active=True).order_by("region__code", "name"))
    pollutant = forms.ModelChoiceField(label=_("Factor"), queryset=Pollutant.objects.all())
    quantity = QuantityFormField(label=_("Quantity obtained by paid use"))
    amount_due = AmountFormField(label=_("Amount due (yuan)"))
    due_date = BoundedDateField(label=_("To be paid by"))
    basis = text_field(PaidUseFee._meta.get_field("basis").max_length, label=_("Document that set the fee"),
                       help_text=_("The fee decision or the paid-use contract, with its number."))
    origin_label = text_field(PaidUseFee._meta.get_field("origin_label").max_length, label=_("Arising from"),
                              required=False, help_text=_(
                                  "The number of the withdrawal (出库) that gave the quota, if any: the fee is then "
                                  "the fee of that project's account."))
