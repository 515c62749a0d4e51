from django.contrib import admin

from .models import Staff, Unit


class StaffInline(admin.TabularInline):
    model = Staff
    extra = 0
    fields = ("code", "name", "title", "active", "user")
    autocomplete_fields = ("user",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "type", "region", "parent")
    list_filter = ("type", "region")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    inlines = [StaffInline]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "title", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "unit__code", "unit__name")
    autocomplete_fields = ("unit", "user")
