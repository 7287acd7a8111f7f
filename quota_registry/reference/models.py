"""Reference data: pollutant factors, administrative divisions, watersheds, industries, and the
environmental-quality status that decides substitution ratios."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


class PollutantCategory(models.TextChoices):
    WATER = "water", _("Water")
    AIR = "air", _("Air")
    HEAVY_METAL = "heavy_metal", _("Heavy metal")
    # Not a factor of Art 4: the unit of the carbon side's ledger (issue 20), t CO2e, kept out of every list of factors
    GREENHOUSE = "greenhouse", _("Greenhouse gas")


class FactorManager(models.Manager):
    """The 13 factors of Art 4: every list, form and report of pollutant quota. The carbon side's unit (t CO2e) is
    a row of the same table, so that its lots live in the one ledger, but it is no factor: it is read only through
    `Pollutant.all_objects` (the ledger's own pages, which name the unit of every movement)."""

    def get_queryset(self):
        return super().get_queryset().exclude(category=PollutantCategory.GREENHOUSE)


class Pollutant(models.Model):
    """One of the 13 factors of Art 4. Conventional factors in t/a, heavy metals in kg/a."""

    UNIT_T_A = "t/a"
    UNIT_KG_A = "kg/a"
    UNIT_T_CO2E = "t CO2e"
    CARBON = "CO2E"  # the code of the carbon side's unit

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=PollutantCategory.choices)
    unit = models.CharField(
        _("unit"), max_length=8, choices=[(UNIT_T_A, "t/a"), (UNIT_KG_A, "kg/a"), (UNIT_T_CO2E, "t CO2e")]
    )
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = FactorManager()
    all_objects = models.Manager()

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("pollutant factor")
        verbose_name_plural = _("pollutant factors")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(category="heavy_metal", unit="kg/a")
                    | models.Q(category="greenhouse", unit="t CO2e")
                    | (~models.Q(category__in=["heavy_metal", "greenhouse"]) & models.Q(unit="t/a"))
                ),
                name="pollutant_unit_matches_category",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Watershed(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    basin = models.CharField(_("river basin"), max_length=40)

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("watershed")
        verbose_name_plural = _("watersheds")

    def __str__(self):
        return self.name


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County-level division")


class Region(models.Model):
    """An administrative division: the province, its cities (each with its own reserve pool) and their
    county-level divisions (the economic development zone counts as one, Art 8). `code` is the GB/T 2260 code
    where one exists; a division without a national code carries an internal code that cannot be mistaken for one
    (it has letters)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    national_code = models.BooleanField(_("GB/T 2260 code"), default=True)
    name = models.CharField(_("name"), max_length=40)
    level = models.CharField(_("level"), max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent division"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    watersheds = models.ManyToManyField(Watershed, verbose_name=_("watersheds"), blank=True, related_name="regions")
    heavy_metal_key_area = models.BooleanField(_("heavy-metal key area"), default=False)
    # 大气污染防治重点区域 (seed 003 Art 21(3)): a county in it receives air factors only from inside its city.
    air_key_area = models.BooleanField(_("key air-pollution control area"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(national_code=False) | models.Q(code__regex=r"^[0-9]{6}$"),
                name="region_national_code_is_six_digits",
            )
        ]

    def __str__(self):
        return self.name


class KeyHeavyMetalIndustry(models.TextChoices):
    """The key heavy-metal industries (环固体〔2022〕17号). Withdrawals of heavy metals draw from the
    same key industry first (Art 12)."""

    NONFERROUS_MINING = "nonferrous_mining", _("Heavy non-ferrous metal mining and dressing")
    NONFERROUS_SMELTING = "nonferrous_smelting", _("Heavy non-ferrous metal smelting")
    LEAD_ACID_BATTERY = "lead_acid_battery", _("Lead-acid battery manufacturing")
    ELECTROPLATING = "electroplating", _("Electroplating")
    CHEMICALS = "chemicals", _("Chemical raw materials and products (PVC by calcium carbide, chromium salts, zinc compounds)")
    LEATHER_TANNING = "leather_tanning", _("Leather tanning")


class Industry(models.Model):
    """An industry class of GB/T 4754-2017 (national economic industry classification)."""

    code = models.CharField(_("GB/T 4754 code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=80)
    key_heavy_metal_industry = models.CharField(
        _("key heavy-metal industry"), max_length=32, choices=KeyHeavyMetalIndustry.choices, blank=True
    )

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-T]?[0-9]{2,4}$"), name="industry_code_format"),
        ]

    @property
    def is_key_heavy_metal(self) -> bool:
        return bool(self.key_heavy_metal_industry)

    def __str__(self):
        return f"{self.code} {self.name}"


class QualityIndicator(models.TextChoices):
    PM25 = "pm25", "PM2.5"
    PM10 = "pm10", "PM10"
    O3 = "o3", _("O3 (ozone)")
    SO2 = "so2", "SO2"
    NO2 = "no2", "NO2"
    WATER = "water", _("Surface water quality")


class QualityStatus(models.Model):
    """Whether a division attained the environmental-quality standard for one indicator in one year.
    City staff keep it; it decides the substitution ratio of Art 13."""

    region = models.ForeignKey(Region, verbose_name=_("division"), on_delete=models.PROTECT, related_name="quality")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    indicator = models.CharField(_("indicator"), max_length=8, choices=QualityIndicator.choices)
    attains = models.BooleanField(_("attains the standard"))
    basis = models.CharField(_("basis (bulletin or monitoring report)"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["-year", "region__sort_order", "indicator"]
        verbose_name = _("environmental-quality status")
        verbose_name_plural = _("environmental-quality status")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "indicator"], name="quality_status_unique"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="quality_status_year_range"),
        ]

    def __str__(self):
        return f"{self.region} {self.year} {self.get_indicator_display()}"


class IndicatorLink(models.Model):
    """Which quality indicator decides the ratio of which factor (Art 13; seed 003 Art 14), kept by the
    city as data: a set applies from `valid_from_year` until a later set replaces it."""

    valid_from_year = models.PositiveSmallIntegerField(_("applies from year"))
    indicator = models.CharField(_("indicator"), max_length=8, choices=QualityIndicator.choices)
    pollutant = models.ForeignKey(Pollutant, verbose_name=_("pollutant factor"), on_delete=models.PROTECT,
                                  related_name="deciding_indicators")

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["-valid_from_year", "indicator", "pollutant__sort_order"]
        verbose_name = _("indicator deciding a factor's ratio")
        verbose_name_plural = _("indicators deciding factors' ratios")
        constraints = [models.UniqueConstraint(fields=["valid_from_year", "indicator", "pollutant"],
                                               name="indicator_link_unique")]

    def __str__(self):
        return f"{self.valid_from_year} {self.get_indicator_display()} → {self.pollutant.code}"


class CalendarYear(models.Model):
    """A year whose official calendar (the State Council's notice of holidays and make-up working days)
    the city has entered. For such a year the city's table decides, overriding the chinesecalendar
    library; days it does not list follow Monday-Friday."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2000),
                                                                                  MaxValueValidator(2100)])
    notice = models.CharField(_("State Council notice"), max_length=200)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A statutory holiday (not a working day) or a make-up working day (调休, working although a weekend)."""

    calendar_year = models.ForeignKey(CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE,
                                      related_name="days")
    date = models.DateField(_("date"), unique=True)
    working = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday"), max_length=40, blank=True)

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self):
        return f"{self.date} {'班' if self.working else '休'} {self.name}"


class CityCalendarDay(models.Model):
    """A city's own addition to the national calendar (issue 19): a local statutory holiday (an autonomous
    prefecture's festival, 彝族火把节 in Honghe) or a day it moved to working. It counts for the city's records only:
    their deadlines and reminders (quota_registry.workdays)."""

    city = models.ForeignKey(Region, verbose_name=_("city"), on_delete=models.PROTECT, related_name="calendar_days",
                             limit_choices_to={"level": "city"})
    date = models.DateField(_("date"))
    working = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday"), max_length=40)
    basis = models.CharField(_("basis"), max_length=200)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["city__sort_order", "date"]
        verbose_name = _("city's calendar day")
        verbose_name_plural = _("city's calendar days")
        constraints = [models.UniqueConstraint(fields=["city", "date"], name="city_calendar_day_once")]

    def __str__(self):
        return f"{self.city.name} {self.date} {'班' if self.working else '休'} {self.name}"
