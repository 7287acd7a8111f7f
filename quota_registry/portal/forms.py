from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from quota_registry import inputs
from quota_registry.inputs import REASON, LabelledErrors, text_field
from quota_registry.orgs.models import Organisation, OrganisationKind, Role
from quota_registry.orgs.services import EDITABLE_FIELDS
from quota_registry.reference.models import QualityIndicator, QualityStatus, Region, RegionLevel


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is wrong. Both are case-sensitive; please try again."),
        "inactive": _("This account is disabled. Please contact the city bureau."),
    }


class OrganisationForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = EDITABLE_FIELDS
        widgets = {"credit_code": forms.TextInput(attrs={"placeholder": "91530300MA6K000000", "maxlength": 18})}
        help_texts = {
            "credit_code": _("18 characters, as printed on the business licence; the last one is a check character."),
            "permit_number": _("As printed on the pollutant discharge permit, if the enterprise has one."),
        }

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        from quota_registry import jurisdiction

        self.fields["region"].queryset = jurisdiction.counties(actor)  # the actor's city's
        if actor is not None and actor.role == Role.COUNTY_REVIEWER:
            # A county bureau registers enterprises of its own county only.
            self.fields["kind"].initial = OrganisationKind.ENTERPRISE
            self.fields["kind"].disabled = True
            self.fields["region"].initial = actor.organisation.region_id
            self.fields["region"].disabled = True

    def clean_credit_code(self):
        value = (self.cleaned_data.get("credit_code") or "").strip().upper()
        return value or None


class DeactivateForm(LabelledErrors, forms.Form):
    reason = text_field(REASON, label=_("Reason"))


class QualityStatusForm(LabelledErrors, forms.Form):
    region = forms.ModelChoiceField(label=_("County-level division"),
                                    queryset=Region.objects.filter(level=RegionLevel.COUNTY))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    indicator = forms.ChoiceField(label=_("Indicator"), choices=QualityIndicator.choices)
    attains = forms.TypedChoiceField(
        label=_("Result"), coerce=lambda v: v == "1",
        choices=[("1", _("Attains the standard")), ("0", _("Does not attain the standard"))],
    )
    basis = forms.CharField(label=_("Basis (bulletin or monitoring report)"), required=False,
                            max_length=QualityStatus._meta.get_field("basis").max_length)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            from quota_registry import jurisdiction

            self.fields["region"].queryset = jurisdiction.counties(user)  # the city's own


class OrganisationFilterForm(LabelledErrors, forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All"))] + OrganisationKind.choices)
    region = forms.ModelChoiceField(label=_("County-level division"), required=False, empty_label=_("All"),
                                    queryset=Region.objects.filter(level=RegionLevel.COUNTY))
    active = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))])


class CityCalendarDayForm(LabelledErrors, forms.Form):
    """One of the city's own calendar days (a local statutory holiday, or a day it moved to working)."""

    date = inputs.BoundedDateField(label=_("Date"))
    working = forms.TypedChoiceField(label=_("Type"), coerce=lambda v: v == "1", choices=[
        ("0", _("休 (holiday)")), ("1", _("班 (working day)"))])
    name = text_field(40, label=_("Holiday"), help_text=_("e.g. 彝族火把节"))
    basis = text_field(200, label=_("Basis"), help_text=_(
        "The regulation or notice that sets it, e.g. 《红河哈尼族彝族自治州自治条例》"))


class CalendarImportForm(LabelledErrors, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(label=_("State Council notice"), max_length=200,
                             help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知"))
    file = forms.FileField(label=_("Excel workbook"), help_text=_(
        "One row per day: date (2027-01-01) | 休 (holiday) or 班 (make-up working day) | name. Days not listed "
        "follow Monday to Friday."))
