from django import forms
from django.utils.translation import gettext_lazy as _

from accounting import reduction
from ledger.models import QUOTA_SOURCE_CHOICES, Lot
from quota_registry import inputs
from quota_registry.inputs import (
    BoundedDateField,
    LabelledErrors,
    MeasurementFormField,
    MultipleFileField,
    QuantityFormField,
    text_field,
)
from quota_registry.orgs.models import Organisation, OrganisationKind, RestrictionKind
from quota_registry.reference.models import Pollutant, Watershed

from .models import COUNTY_FILED_SOURCES, EntryApplication

# The figures of the formulas, with their labels and bounds (accounting.reduction.INPUTS_READ)
ACCOUNTING_INPUTS = [(name, label) for name, (label, _parse) in reduction.INPUTS_READ.items() if name != "quantity"]


class EntryApplicationForm(LabelledErrors, forms.ModelForm):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Organisation.objects.none(), required=False)
    evidence = MultipleFileField(label=_("Evidence files"), required=False,
                                 help_text=_("PDF, JPEG/PNG, Word or Excel; several files at once are fine."))
    non_creditable_causes = forms.MultipleChoiceField(
        label=_("Does the reduction come, in whole or in part, from any of these? (never creditable)"),
        choices=reduction.NON_CREDITABLE, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Seed 001 guide Art 14: tick what applies; such a reduction cannot be approved."))

    class Meta:
        model = EntryApplication
        fields = ["source_kind", "measure", "measure_description", "watershed", "permit_number", "paid", "power_unit"]
        widgets = {"measure_description": forms.Textarea(attrs={"rows": 3, "maxlength": inputs.DESCRIPTION})}

    # seed 001 guide Art 12: one date per kind of evidence given, in the order that decides the completion date
    EVIDENCE_PREFIX = "evidence_date_"

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dates = (self.instance.evidence_dates or {}) if self.instance.pk else {}
        for order, (code, label) in enumerate(reduction.COMPLETION_EVIDENCE, start=1):
            self.fields[self.EVIDENCE_PREFIX + code] = BoundedDateField(
                label=_("%(n)s. %(evidence)s") % {"n": order, "evidence": label}, required=False, past=True,
                initial=dates.get(code))
        self.fields[self.EVIDENCE_PREFIX + reduction.COMPLETION_EVIDENCE[0][0]].help_text = _(
            "Give the dates of the evidence you have: the first in this order fixes the completion date "
            "(seed 001 guide Art 12).")
        if self.instance.pk:
            self.initial["non_creditable_causes"] = self.instance.non_creditable_causes
        self.fields["watershed"].queryset = Watershed.objects.all()
        if actor.is_county_reviewer:
            from quota_registry.access import scope

            self.fields["enterprise"].queryset = scope(actor, Organisation).filter(kind=OrganisationKind.ENTERPRISE,
                                                                                    is_active=True)
            self.fields["enterprise"].required = self.instance.pk is None
            self.fields["source_kind"].choices = [c for c in QUOTA_SOURCE_CHOICES if c[0] in COUNTY_FILED_SOURCES]
        else:
            del self.fields["enterprise"]
            self.fields["source_kind"].choices = [c for c in QUOTA_SOURCE_CHOICES if c[0] not in COUNTY_FILED_SOURCES]
        if self.instance.pk:
            self.fields.pop("enterprise", None)
        elif actor.is_enterprise_user:
            self.fields["permit_number"].initial = actor.organisation.permit_number
        self.fields["permit_number"].help_text = _("Leave empty to use the permit number registered for the enterprise.")
        self.fields["measure_description"].help_text = _("At most %(n)s characters.") % {"n": inputs.DESCRIPTION}

    def clean(self):
        cleaned = super().clean()
        cleaned["evidence_dates"] = {code: cleaned[self.EVIDENCE_PREFIX + code].isoformat()
                                     for code, _label in reduction.COMPLETION_EVIDENCE
                                     if cleaned.get(self.EVIDENCE_PREFIX + code)}
        return cleaned


class EntryItemForm(LabelledErrors, forms.Form):
    pollutant = forms.ModelChoiceField(label=_("Factor"), queryset=Pollutant.objects.all(), to_field_name="code",
                                       required=False)
    accounting_method = forms.ChoiceField(label=_("Accounting method"), choices=reduction.METHODS,
                                          initial=reduction.DECLARED)
    quantity = QuantityFormField(label=_("Quantity (stated)"), required=False)
    completion_date = BoundedDateField(label=_("Completion date (planned date if not complete)"), required=False)
    accounting_basis = text_field(inputs.DESCRIPTION, label=_("Accounting basis (figures and their sources)"),
                                  required=False, rows=2)
    medium = forms.ChoiceField(label=_("Heavy metals discharged in"), required=False,
                               choices=[("water", _("waste water")), ("air", _("waste gas"))])
    returned_lot = forms.ModelChoiceField(label=_("Returned lot"), queryset=Lot.objects.none(), required=False)

    def __init__(self, *args, returnable_lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, _label in ACCOUNTING_INPUTS:
            self.fields[name] = MeasurementFormField(name=name, required=False)
        if returnable_lots is not None:
            self.fields["returned_lot"].queryset = returnable_lots

    def payload(self) -> dict | None:
        """The row as the service takes it, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("pollutant"):
            return None
        inputs = {name: str(data[name]) for name, _label in ACCOUNTING_INPUTS if data.get(name) is not None}
        if data.get("medium"):
            inputs["medium"] = data["medium"]
        return {"pollutant": data["pollutant"], "accounting_method": data["accounting_method"],
                "quantity": data.get("quantity"), "completion_date": data.get("completion_date"),
                "accounting_basis": data.get("accounting_basis", ""), "accounting_inputs": inputs,
                "returned_lot": data.get("returned_lot")}


EntryItemFormSet = forms.formset_factory(EntryItemForm, extra=0, min_num=1, max_num=inputs.FACTOR_ROWS,
                                         validate_max=True, absolute_max=inputs.FACTOR_ROWS)


class EntryFilterForm(LabelledErrors, forms.Form):
    q = forms.CharField(label=_("Number or enterprise"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    source_kind = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All"))] + QUOTA_SOURCE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from quota_registry.review.models import Status

        self.fields["status"].choices = [("", _("All"))] + Status.choices


class ProjectForm(LabelledErrors, forms.Form):
    """The project of a withdrawal application, and the same description for the pre-check."""

    region = forms.ModelChoiceField(label=_("County-level division of the project"), queryset=None)
    industry = forms.ModelChoiceField(label=_("Project industry (GB/T 4754)"), queryset=None)
    watershed = forms.ModelChoiceField(label=_("Receiving watershed (for water factors)"), queryset=None, required=False)
    major_project = forms.BooleanField(label=_("Major provincial or city project"), required=False)
    two_high = forms.BooleanField(label=_("High energy use and high emissions (两高)"), required=False)
    clean_energy = forms.BooleanField(label=_("Uses clean energy (electricity, natural gas)"), required=False)
    relocation = forms.BooleanField(label=_("Relocation out of the built-up area"), required=False)
    captive_power = forms.BooleanField(label=_("A captive thermal power unit of another industry (自备电厂)"),
                                       required=False)
    chp_heating = forms.BooleanField(label=_("For the heating part of a combined heat and power unit"), required=False)
    central_heating = forms.BooleanField(label=_("A central heating heat source (Shanxi: seed 003 Art 19)"),
                                         required=False)
    stack_height_m = forms.DecimalField(label=_("Stack height (m)"), required=False, max_digits=6, decimal_places=1,
                                        max_value=1000, min_value=0,
                                        widget=forms.NumberInput(attrs={"step": "0.1"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from quota_registry.reference.models import Industry, Region, RegionLevel

        self.fields["region"].queryset = Region.objects.filter(level=RegionLevel.COUNTY)
        self.fields["industry"].queryset = Industry.objects.all()
        self.fields["watershed"].queryset = Watershed.objects.all()


class WithdrawalForm(ProjectForm):
    project_name = forms.CharField(label=_("Project name"), max_length=200)
    eia_authority = forms.CharField(label=_("EIA approving authority"), max_length=120)
    relies_on_government = forms.BooleanField(label=_("The reduction plan relies on local government action"),
                                              required=False)
    commitment = forms.FileField(label=_("Local government's commitment document (Art 15)"), required=False)
    reuse_from = forms.CharField(label=_("Reuses the quota of the unit's withdrawal (number)"), max_length=20,
                                 required=False, help_text=_(
                                     "Shanxi (seed 003 Art 18): the number of your earlier withdrawal whose project "
                                     "will not be built; its quota, obtained for a fee, may serve this project."))
    evidence = MultipleFileField(label=_("Other documents (EIA report, reduction plan)"), required=False)
    field_order = ["project_name", "region", "industry", "watershed", "eia_authority"]


class WithdrawalItemForm(LabelledErrors, forms.Form):
    pollutant = forms.ModelChoiceField(label=_("Factor"), queryset=Pollutant.objects.all(), to_field_name="code",
                                       required=False)
    new_emission = QuantityFormField(label=_("New emissions"), required=False)
    # seed 003 Art 12 (optional): the three estimates; the new emission must then be the lowest
    permit_norm = QuantityFormField(label=_("Estimate by the permit technical norm"), required=False)
    source_strength = QuantityFormField(label=_("Estimate by the source-strength guideline"), required=False)
    standard_limit = QuantityFormField(label=_("Estimate by the standard limit"), required=False)
    # seed 003 Art 19 (optional): a central heating project's own replacement source
    dismantled = QuantityFormField(label=_("Reduction from dismantled dispersed coal-fired units"), required=False,
                                   help_text=_("Central heating projects (Shanxi): the air-pollutant reduction from "
                                               "the dispersed coal-fired units dismantled in the heating area."))
    # seed 003 Art 18 (optional): from the unit's unbuilt project named on the application
    reused = QuantityFormField(label=_("Reused from the unit's unbuilt project"), required=False,
                               help_text=_("Shanxi: quota your unit obtained for a fee for a project it will not "
                                           "build (give that withdrawal's number above)."))

    def payload(self):
        data = self.cleaned_data
        if not data.get("pollutant"):
            return None
        estimates = {name: str(data[name]) for name in ("permit_norm", "source_strength", "standard_limit")
                     if data.get(name) is not None}
        return {"pollutant": data["pollutant"], "new_emission": data.get("new_emission"), "estimates": estimates,
                "dismantled": str(data["dismantled"]) if data.get("dismantled") is not None else None,
                "reused": str(data["reused"]) if data.get("reused") is not None else None}


class PrecheckItemForm(WithdrawalItemForm):
    """The pre-check's rows: reusing an earlier project's quota needs the application's account (not planned here)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reused"]


class AllocationForm(LabelledErrors, forms.Form):
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=Lot.objects.none(), required=False)
    quantity = QuantityFormField(label=_("Quantity"), required=False)

    def __init__(self, *args, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].queryset = lots
            self.fields["lot"].label_from_instance = lambda lot: (
                f"{lot.number} {lot.pollutant.name} · {lot.region.name} · {lot.industry.name} · "
                f"{_('valid until')} {lot.valid_until:%Y-%m-%d}")

    def payload(self):
        data = self.cleaned_data
        if not data.get("lot"):
            return None
        return {"lot": data["lot"], "quantity": data.get("quantity")}


class PlanMeasureForm(LabelledErrors, forms.Form):
    pollutant = forms.ModelChoiceField(label=_("Factor"), queryset=Pollutant.objects.all(), to_field_name="code",
                                       required=False)
    quantity = QuantityFormField(label=_("Reduction"), required=False)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)
    measure = forms.CharField(label=_("Measure"), max_length=300, required=False)
    responsible_party = forms.CharField(label=_("Responsible party"), max_length=200, required=False)
    deadline = BoundedDateField(label=_("Completion deadline"), required=False)
    by_government = forms.BooleanField(label=_("By the local government"), required=False)

    def payload(self):
        data = self.cleaned_data
        if not data.get("pollutant"):
            return None
        return dict(data)


WithdrawalItemFormSet = forms.formset_factory(WithdrawalItemForm, extra=0, min_num=1, max_num=inputs.FACTOR_ROWS,
                                              validate_max=True, absolute_max=inputs.FACTOR_ROWS)
PrecheckItemFormSet = forms.formset_factory(PrecheckItemForm, extra=0, min_num=1, max_num=inputs.FACTOR_ROWS,
                                            validate_max=True, absolute_max=inputs.FACTOR_ROWS)
AllocationFormSet = forms.formset_factory(AllocationForm, extra=3, max_num=inputs.ALLOCATIONS, validate_max=True,
                                          absolute_max=inputs.ALLOCATIONS)
PlanMeasureFormSet = forms.formset_factory(PlanMeasureForm, extra=1, max_num=inputs.PLAN_ROWS, validate_max=True,
                                           absolute_max=inputs.PLAN_ROWS)


class RestrictionForm(LabelledErrors, forms.Form):
    """An entry of the city's list: whom, why, on whose decision, from when until when."""

    kind = forms.ChoiceField(label=_("Why"), choices=RestrictionKind.choices)
    organisation = forms.ModelChoiceField(label=_("Enterprise"), required=False, queryset=Organisation.objects.filter(
        kind=OrganisationKind.ENTERPRISE).order_by("region__code", "name"))
    region = forms.ModelChoiceField(label=_("Or a county (seed 003 Art 4: a county that missed its target)"),
                                    required=False, queryset=None)
    reason = text_field(500, label=_("Reason"))
    source = forms.CharField(label=_("Source (decision or document)"), max_length=200,
                             help_text=_("e.g. the court's list, the market regulator's notice, the credit rating "
                                         "decision, the penalty decision, with its number"))
    valid_from = BoundedDateField(label=_("In force from"))
    valid_until = BoundedDateField(label=_("In force until (empty: until lifted)"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from quota_registry import jurisdiction

        self.fields["region"].queryset = jurisdiction.counties(user)  # the city's own
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.filter(
            region__in=jurisdiction.counties(user))


class TransferForm(LabelledErrors, forms.Form):
    """The receiving city's request for quota from another city's pool (seed 003 Arts 20-21), or the province's
    arrangement for a project in any city (seed 002)."""

    from_city = forms.ChoiceField(label=_("Giving city"))
    pollutant = forms.ChoiceField(label=_("Pollutant factor"))
    quantity = QuantityFormField(label=_("Quantity"), help_text=_("In the factor's unit, at most 4 decimal places."))
    project_name = text_field(200, label=_("Project"))
    region = forms.ChoiceField(label=_("Project's county"))
    watershed = forms.ChoiceField(label=_("Project's watershed (water factors)"), required=False)
    reason = text_field(inputs.REASON, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from quota_registry import jurisdiction

        self.fields["from_city"].choices = [("", "—")] + [(c.code, c.name) for c in jurisdiction.cities().exclude(
            pk=user.city_id)]
        self.fields["pollutant"].choices = [("", "—")] + [(p.code, f"{p.name}（{p.unit}）") for p in Pollutant.objects.all()]
        counties = jurisdiction.counties(user).select_related("parent").order_by("parent__sort_order", "sort_order")
        self.fields["region"].choices = [("", "—")] + [
            (r.code, f"{r.parent.name} · {r.name}" if user.is_province_staff else r.name) for r in counties]
        self.fields["watershed"].choices = [("", "—")] + [(w.code, f"{w.name}（{w.basin}）")
                                                          for w in Watershed.objects.all()]
