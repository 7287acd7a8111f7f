from django import forms
from django.utils.translation import gettext_lazy as _

from quota_registry import inputs
from quota_registry.inputs import MultipleFileField


class FileForm(forms.Form):
    files = MultipleFileField(label=_("Permit-change application (or its receipt)"))
    note = inputs.text_field(inputs.NOTE, label=_("Note"), required=False, rows=2)


class ConfirmForm(forms.Form):
    permit_number = forms.CharField(label=_("Changed permit number"), max_length=40)
    permit_version = forms.CharField(label=_("Permit version or date of change"), max_length=40)
    recorded_measure = forms.CharField(label=_("Measure recorded in the permit"), max_length=300)
    recorded_reduction = forms.CharField(label=_("Reduction recorded in the permit"), max_length=300)
    recorded_transfer = forms.CharField(label=_("Amount transferred and destination recorded in the permit"),
                                        max_length=300)
