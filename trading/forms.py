"""The fee form (city staff record a paid-use fee): the typed values go through quota_registry/inputs.py's parsers,
so a value refused here is refused by the service with the same words."""
from django import forms
from django.utils.translation import gettext_lazy as _

from quota_registry.inputs import (
    AmountFormField,
    BoundedDateField,
    LabelledErrors,
    MultipleFileField,
    QuantityFormField,
    text_field,
)
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
    origin_label = text_field(PaidUseFee._meta.get_field("origin_label").max_length, label=_("Withdrawal number (if any)"),
                              required=False, help_text=_(
                                  "The number of the withdrawal (出库) that gave the quota, if any: the fee is then "
                                  "the fee of that project's account."))


class PledgeForm(LabelledErrors, forms.Form):
    """An enterprise's application to register a pledge of quota in its general account."""

    bank = forms.ModelChoiceField(label=_("Bank (pledgee)"), queryset=Organisation.objects.filter(
        kind=OrganisationKind.BANK, is_active=True).order_by("name"))
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=None)
    quantity = QuantityFormField(label=_("Quantity pledged"))
    contract_number = forms.CharField(label=_("Pledge contract number"), max_length=60)
    secured_amount = AmountFormField(label=_("Amount secured (yuan)"))
    starts_on = BoundedDateField(label=_("Pledge period from"))
    ends_on = BoundedDateField(label=_("Pledge period until"))
    files = MultipleFileField(label=_("Pledge contract (scan)"), help_text=_("PDF or images; several files at once."))

    def __init__(self, *args, holdings=(), **kwargs):
        super().__init__(*args, **kwargs)
        from ledger.models import Lot

        self.fields["lot"].queryset = Lot.objects.filter(pk__in=[h.lot_id for h in holdings]).select_related(
            "pollutant")
        held = {h.lot_id: h.quantity for h in holdings}
        self.fields["lot"].label_from_instance = lambda lot: (
            f"{lot.number} {lot.pollutant.name}（{_('held')} {held.get(lot.pk)} {lot.pollutant.unit}）")
