from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quota_registry.inputs import BoundedDateField, LabelledErrors, MultipleFileField, text_field

# Figures in t CO2e are parsed by the services (accounting.quantities, up to 100 million t): the inputs only carry
# the text, with the same limit of characters as every number input.
T_HELP = _("t CO2e, at most 4 decimal places.")


def _t(label, required=True, help_text=T_HELP):
    return forms.CharField(label=label, required=required, max_length=40, help_text=help_text,
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def _year(label):
    this = timezone.localdate().year
    return forms.IntegerField(label=label, min_value=2013, max_value=this + 1)


class UnitForm(LabelledErrors, forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None)
    year = _year(_("Listed from the year"))
    emissions = _t(_("Annual emissions that list it (t CO2e)"))
    energy_tce = _t(_("Annual energy use (t of standard coal)"), required=False,
                    help_text=_("About 10,000 t of standard coal lists a unit too."))
    reason = text_field(500, label=_("Basis of the listing"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from quota_registry import jurisdiction
        from quota_registry.orgs.models import Organisation, OrganisationKind

        self.fields["enterprise"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.ENTERPRISE, is_active=True, region__in=jurisdiction.counties(user),
            key_emitter__isnull=True).order_by("region__sort_order", "name")


class ReportForm(LabelledErrors, forms.Form):
    year = _year(_("Year of the emissions"))
    reported_emissions = _t(_("Reported emissions (t CO2e)"))
    energy_tce = _t(_("Energy use (t of standard coal)"), help_text=_("t of standard coal, at most 4 decimal places."))
    sources = text_field(4000, label=_("Emissions by source and facility"),
                         widget=forms.Textarea(attrs={"rows": 5}),
                         help_text=_("One line per source or facility: fuel combustion, processes, electricity and heat "
                                     "bought, with its t CO2e."))
    basis = text_field(500, label=_("Basis of calculation"),
                       help_text=_("The accounting guideline of the industry and the monitoring plan."))
    files = MultipleFileField(label=_("Evidence (energy ledger, monitoring records)"), required=False)


class AllowanceForm(LabelledErrors, forms.Form):
    year = _year(_("Year"))
    quantity = _t(_("Allowance allocated (t CO2e)"))
    source = text_field(200, label=_("Allocation document"))


class SurrenderForm(LabelledErrors, forms.Form):
    year = _year(_("Compliance year"))
    allowances = _t(_("Allowances surrendered (t CO2e)"), required=False)
    ccer = _t(_("CCER surrendered (t CO2e)"), required=False,
              help_text=_("At most 5 percent of the obligation (seed 004 item 4)."))
    registry_reference = text_field(100, label=_("National registry record"))


class ProviderForm(LabelledErrors, forms.Form):
    name = text_field(120, label=_("Name"))
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18)
    services = forms.MultipleChoiceField(label=_("Services"), widget=forms.CheckboxSelectMultiple, choices=())
    registered_on = BoundedDateField(label=_("Registered on"))
    address = text_field(200, label=_("Address"), required=False)
    contact = text_field(100, label=_("Contact"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ServiceKind

        self.fields["services"].choices = ServiceKind.choices


class InspectionForm(LabelledErrors, forms.Form):
    inspected_on = BoundedDateField(label=_("Inspected on"))
    subject = text_field(300, label=_("What was inspected"))
    findings = text_field(2000, label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import InspectionOutcome

        self.fields["outcome"].choices = InspectionOutcome.choices
