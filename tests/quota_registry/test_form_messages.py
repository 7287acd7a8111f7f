"""Every form's messages name the field and the limit (quota_registry.inputs.LabelledErrors), whatever the field."""
from decimal import Decimal

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from quota_registry.inputs import LabelledErrors


class Sample(LabelledErrors, forms.Form):
    name = forms.CharField(label="项目名称", max_length=6)
    height = forms.DecimalField(label="排气筒高度（米）", max_value=Decimal("1000"), min_value=0, decimal_places=1,
                                widget=forms.NumberInput(attrs={"data-unit": "m"}))
    count = forms.IntegerField(label="台数", required=False)
    day = forms.DateField(label="完成日期", required=False)
    file = forms.FileField(label="证明材料", max_length=8, required=False)


def test_messages_name_the_field_the_limit_and_the_unit(db):
    form = Sample({"name": "一二三四五六七", "height": "1000.25", "count": "x", "day": "昨天"},
                  {"file": SimpleUploadedFile("a-very-long-name.pdf", b"%PDF-1.4")})
    assert not form.is_valid()
    errors = {k: v[0] for k, v in form.errors.items()}
    assert errors["name"] == "“项目名称”最多 6 个字（现为 7 个）。"
    assert "“排气筒高度（米）”" in errors["height"]
    assert errors["count"] == "“台数”：请填写整数。" and errors["day"] == "“完成日期”：请填写日期，如 2026-11-29。"
    assert "file" in errors  # a file name's own limit keeps Django's message (other parameters), no error raised
    too_high = Sample({"name": "技改", "height": "1200"})
    assert not too_high.is_valid() and too_high.errors["height"][0] == "“排气筒高度（米）”不能大于 1000 m。"
    empty = Sample({})
    assert empty.errors["name"][0] == "请填写“项目名称”。" and empty.errors["height"][0] == "请填写“排气筒高度（米）”。"
    assert Sample().label_suffix == "："
