import base64

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quota_registry.inputs import LabelledErrors
from quota_registry.orgs import twofactor


class OTPForm(LabelledErrors, forms.Form):
    token = forms.CharField(label=gettext_lazy("6-digit code"), max_length=6, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


@login_required
def otp(request):
    """The second factor: set up an authenticator app the first time, then give its code at each login."""
    user = request.user
    target = request.GET.get("next") or request.POST.get("next") or "/home/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/home/"
    if not twofactor.requires_second_factor(user) or user.is_verified():
        return redirect(target)
    device = twofactor.confirmed_device(user)
    setting_up = device is None
    if setting_up:
        device = twofactor.pending_device(user)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request, device, form.cleaned_data["token"]):
            return redirect(target)
        form.add_error("token", _("The code is wrong or has expired: enter the code your app shows now."))
    return render(request, "registration/otp.html", {
        "form": form, "setting_up": setting_up, "next": target,
        "qr": mark_safe(twofactor.qr_svg(device)) if setting_up else None,  # noqa: S308 - SVG we generated
        "secret": base64.b32encode(device.bin_key).decode() if setting_up else None,
    })
