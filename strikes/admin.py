from django.contrib import admin

from .models import Union


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "affiliated_to_labour"]
    list_filter = ["affiliated_to_labour"]
    search_fields = ["short_name", "name"]
