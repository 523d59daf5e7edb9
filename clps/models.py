"""The ground floor: CLPs, the people who use the app, and their role in each CLP.

This app imports no other app of the project.
"""

import re

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Email is the login; a name is optional and shown to the TULO."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        "site admin", default=False, help_text="Can sign in to the Django admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class CLP(models.Model):
    """A Constituency Labour Party: the tenant that owns members, visits, money and emails."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/London", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CLP"
        verbose_name_plural = "CLPs"

    def __str__(self) -> str:
        return self.name


class PostcodeDistrict(models.Model):
    """An outward postcode (N16, E5…) that makes a workplace "local" to the CLP."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="districts")
    district = models.CharField(max_length=4)

    class Meta:
        ordering = ["district"]
        constraints = [
            models.UniqueConstraint(fields=["clp", "district"], name="unique_clp_district"),
        ]
        indexes = [models.Index(fields=["district"])]

    def __str__(self) -> str:
        return self.district


class Role(models.TextChoices):
    TULO = "tulo", "TULO"
    EXECUTIVE = "executive", "Executive"
    MEMBER = "member", "Member"


class Membership(models.Model):
    """A user's role in one CLP. One row per user and CLP."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clp", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clp"], name="unique_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.clp}"

    @property
    def is_tulo(self) -> bool:
        return self.role == Role.TULO

    @property
    def is_executive(self) -> bool:
        return self.role == Role.EXECUTIVE
