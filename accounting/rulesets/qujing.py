"""Qujing (seed 000): 曲靖市建设项目主要污染物总量指标交易管理办法（试行）."""
from . import RuleSet, register

RULE_SET = register(RuleSet(code="qujing", name="曲靖市", validity_years=5, permit_change_working_days=30))
