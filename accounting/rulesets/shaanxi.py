"""Shaanxi (seed 001): permits are updated within 15 working days of a trade."""
from . import RuleSet, register

RULE_SET = register(RuleSet(code="shaanxi", name="陕西省", validity_years=5, permit_change_working_days=15))
