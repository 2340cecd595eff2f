"""Organisations, the people who act for them and their roles.

Every private QuerySet here has ``for_user(user)``; views and the API fetch private rows only
through it.
"""

import re

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from charter import validators


class SystemRole(models.TextChoices):
    NONE = "", "None"
    ICB_ANALYST = "icb_analyst", "ICB analyst"
    ICB_ADMIN = "icb_admin", "ICB admin"


def normalise_email(address):
    """One identity whatever the case: e-mail addresses are kept and compared in lower case."""
    return (address or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("system_role", SystemRole.ICB_ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=normalise_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person. They sign in with their e-mail address."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    system_role = models.CharField(
        max_length=20, choices=SystemRole.choices, default=SystemRole.NONE, blank=True,
        help_text="ICB analysts read everything system-wide; ICB admins also manage the framework.",
    )
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="user_email_ci_unique",
                violation_error_message="A user with this e-mail address already exists.",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalise_email(self.email)

    def save(self, *args, **kwargs):
        # Also for rows made without the manager or a form (QuerySet.create, the admin, fixtures).
        self.email = normalise_email(self.email)
        # set_password() keeps the new raw password until the save: a change or reset, by any route
        # (the pages, the admin, manage.py changepassword), revokes the person's API token.
        password_changed = self._password is not None and not self._state.adding
        update_fields = kwargs.get("update_fields")
        role_saved = update_fields is None or "system_role" in update_fields
        if role_saved and self.system_role == SystemRole.ICB_ADMIN:
            self.is_staff = True  # the Django admin is where ICB admins keep the framework and proxy values
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)
        if role_saved:
            from charter.admin_access import sync_membership

            sync_membership(self)
        if password_changed:
            from charter import tokens

            tokens.revoke(self)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_icb(self):
        """ICB analysts and admins read everything system-wide."""
        return self.is_superuser or self.system_role in {SystemRole.ICB_ANALYST, SystemRole.ICB_ADMIN}

    @property
    def is_icb_admin(self):
        return self.is_superuser or self.system_role == SystemRole.ICB_ADMIN

    def role_in(self, organisation):
        membership = self.memberships.filter(organisation=organisation).first()
        return membership.role if membership else None


class Sector(models.TextChoices):
    PUBLIC = "public", "Public sector"
    PRIVATE = "private", "Private sector"
    VCFSE = "vcfse", "Voluntary, community, faith and social enterprise (VCFSE)"


class Kind(models.TextChoices):
    NHS_TRUST = "nhs_trust", "NHS trust"
    ICB = "icb", "Integrated care board"
    PRIMARY_CARE = "primary_care", "Primary care (GP practice or network)"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    EDUCATION = "education", "College or university"
    OTHER_PUBLIC = "other_public", "Other public body"
    BUSINESS = "business", "Business"
    CHARITY = "charity", "Charity"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"
    COMMUNITY_GROUP = "community_group", "Community group"
    FAITH_GROUP = "faith_group", "Faith group"
    HOUSING_ASSOCIATION = "housing_association", "Housing association"


# Which kinds belong to which sector; a form offers only a consistent pair.
KIND_SECTORS = {
    Kind.NHS_TRUST: {Sector.PUBLIC},
    Kind.ICB: {Sector.PUBLIC},
    Kind.PRIMARY_CARE: {Sector.PUBLIC, Sector.PRIVATE},
    Kind.LOCAL_AUTHORITY: {Sector.PUBLIC},
    Kind.EDUCATION: {Sector.PUBLIC, Sector.VCFSE},
    Kind.OTHER_PUBLIC: {Sector.PUBLIC},
    Kind.BUSINESS: {Sector.PRIVATE},
    Kind.CHARITY: {Sector.VCFSE},
    Kind.SOCIAL_ENTERPRISE: {Sector.VCFSE},
    Kind.COMMUNITY_GROUP: {Sector.VCFSE},
    Kind.FAITH_GROUP: {Sector.VCFSE},
    Kind.HOUSING_ASSOCIATION: {Sector.VCFSE, Sector.PRIVATE},
}


class Place(models.TextChoices):
    CHESHIRE_EAST = "cheshire_east", "Cheshire East"
    CHESHIRE_WEST = "cheshire_west", "Cheshire West and Chester"
    HALTON = "halton", "Halton"
    KNOWSLEY = "knowsley", "Knowsley"
    LIVERPOOL = "liverpool", "Liverpool"
    SEFTON = "sefton", "Sefton"
    ST_HELENS = "st_helens", "St Helens"
    WARRINGTON = "warrington", "Warrington"
    WIRRAL = "wirral", "Wirral"
    OUTSIDE = "outside", "Outside Cheshire and Merseyside"


class Size(models.TextChoices):
    MICRO = "micro", "Micro (fewer than 10 people)"
    SMALL = "small", "Small (10 to 49 people)"
    MEDIUM = "medium", "Medium (50 to 249 people)"
    LARGE = "large", "Large (250 people or more)"


_LEGAL_SUFFIXES = {"ltd", "limited", "plc", "llp", "cic", "cio", "the", "inc", "uk"}


def normalise_name(name):
    """A name reduced for duplicate checks: 'The Wirral Pantry Ltd.' and 'wirral pantry' match."""
    words = re.sub(r"[^a-z0-9 ]+", " ", (name or "").lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _LEGAL_SUFFIXES)


class OrganisationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The organisations a user may see privately: their own, or all for the ICB."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb:
            return self.all()
        return self.filter(pk__in=Membership.objects.filter(user=user).values("organisation_id"))

    def administered_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        admin_of = Membership.objects.filter(user=user, role=Role.ADMIN)
        return self.filter(pk__in=admin_of.values("organisation_id"))


class Organisation(models.Model):
    """A body in (or working with) the Cheshire and Merseyside system."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    sector = models.CharField(max_length=10, choices=Sector.choices)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    place = models.CharField(
        max_length=20, choices=Place.choices,
        help_text="Where the organisation is based: one of the nine places, or outside.",
    )
    size = models.CharField(max_length=10, choices=Size.choices)
    companies_house_number = models.CharField(
        "Companies House number", max_length=8, blank=True,
        validators=[validators.validate_company_number],
    )
    charity_number = models.CharField(
        "registered charity number", max_length=10, blank=True,
        validators=[validators.validate_charity_number],
    )
    ods_code = models.CharField(
        "NHS ODS code", max_length=6, blank=True, validators=[validators.validate_ods_code]
    )
    website = models.URLField(blank=True)
    email_domain = models.CharField(
        "e-mail domain", max_length=100, blank=True,
        help_text="The domain of the organisation's work e-mail addresses, like liverpool.gov.uk.",
    )
    normalised_name = models.CharField(max_length=200, editable=False, db_index=True)
    is_anchor_institution = models.BooleanField(
        "anchor institution", default=False,
        help_text="A large public body rooted in its place (NHS trust, council, university).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            # The register and dashboards filter organisations by place and sector.
            models.Index(fields=["place", "sector"], name="org_place_sector_idx"),
            # Lists in name order (the register, the directory) read a page from the index rather
            # than sorting every organisation.
            models.Index(fields=["name"], name="org_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["normalised_name", "place"], name="org_name_place_unique",
                violation_error_message="An organisation with this name is already registered in this place.",
            ),
            models.UniqueConstraint(
                fields=["companies_house_number"], condition=~models.Q(companies_house_number=""),
                name="org_company_number_unique",
                violation_error_message="An organisation with this Companies House number is already registered.",
            ),
            models.UniqueConstraint(
                fields=["charity_number"], condition=~models.Q(charity_number=""),
                name="org_charity_number_unique",
                violation_error_message="An organisation with this charity number is already registered.",
            ),
            models.UniqueConstraint(
                fields=["ods_code"], condition=~models.Q(ods_code=""),
                name="org_ods_code_unique",
                violation_error_message="An organisation with this NHS ODS code is already registered.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalised_name = normalise_name(self.name)
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("charter:organisation-detail", args=[self.pk])

    def clean_fields(self, exclude=None):
        # Tidy what people type before the format validators see it.
        self.name = " ".join((self.name or "").split())
        self.companies_house_number = validators.normalise_company_number(self.companies_house_number)
        self.charity_number = validators.normalise_charity_number(self.charity_number)
        self.ods_code = validators.normalise_ods_code(self.ods_code)
        self.email_domain = (self.email_domain or "").strip().lower().lstrip("@")
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        allowed = KIND_SECTORS.get(self.kind)
        if self.kind and self.sector and allowed and self.sector not in allowed:
            sectors = " or ".join(str(Sector(s).label).lower() for s in sorted(allowed))
            raise ValidationError(
                {"kind": f"{Kind(self.kind).label} organisations belong to the {sectors}."}
            )

    def validate_constraints(self, exclude=None):
        self.normalised_name = normalise_name(self.name)
        super().validate_constraints(exclude=exclude)

    def _unique_slug(self):
        base = slugify(self.name)[:200] or "organisation"
        slug, n = base, 2
        while Organisation.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    @property
    def live_signature(self):
        return self.signatures.filter(status="live").select_related("version").first()

    @property
    def identifiers(self):
        """The identifiers given, as (label, value) pairs for display."""
        pairs = [
            ("Companies House", self.companies_house_number),
            ("Charity", self.charity_number),
            ("NHS ODS", self.ods_code),
        ]
        return [(label, value) for label, value in pairs if value]


class Role(models.TextChoices):
    ADMIN = "admin", "Organisation admin"
    REPORTER = "reporter", "Reporter"
    VIEWER = "viewer", "Viewer"
    COMMISSIONER = "commissioner", "Commissioner"


# Who may make an organisation's returns, and who may record and review its contracts.
REPORTING_ROLES = frozenset({Role.ADMIN, Role.REPORTER})
COMMISSIONING_ROLES = frozenset({Role.COMMISSIONER, Role.ADMIN})

ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Manages the organisation's details, people, charter signature and VCFSE commitment.",
    Role.REPORTER: "Drafts and submits the organisation's quarterly returns.",
    Role.VIEWER: "Reads the organisation's returns and reports.",
    Role.COMMISSIONER: "Records contracts and reviews suppliers' returns on them.",
}


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user):
        """Memberships a user may see: those of their own organisations, or all for the ICB."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb:
            return self.all()
        own = Membership.objects.filter(user=user).values("organisation_id")
        return self.filter(organisation_id__in=own)


class Membership(models.Model):
    """A person's role in an organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REPORTER)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_user_org_unique",
                violation_error_message="This person already belongs to this organisation.",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    @property
    def can_report(self):
        return self.role in REPORTING_ROLES

    @property
    def can_manage(self):
        return self.role == Role.ADMIN
