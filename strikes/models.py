"""Public records of the labour movement, shared by every CLP on a deployment."""

from django.db import models
from django.db.models.functions import Lower


class Union(models.Model):
    name = models.CharField(max_length=200)
    short_name = models.CharField(
        max_length=40, help_text="What members call it, such as CWU or UNISON."
    )
    website = models.URLField(blank=True)
    affiliated_to_labour = models.BooleanField(
        "affiliated to Labour",
        default=False,
        help_text="Whether the union is affiliated to the Labour Party.",
    )

    class Meta:
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(Lower("short_name"), name="unique_union_short_name"),
        ]

    def __str__(self) -> str:
        return self.short_name
