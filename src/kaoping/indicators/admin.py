from django.contrib import admin

from .models import IndicatorChange, IndicatorNode, Library, LibraryVersion


class ReadOnlyMixin:
    """Trees are written by services (recorded in the ledger), never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = LibraryVersion
    fk_name = "library"
    fields = ("number", "based_on", "frozen_at", "created_at", "note")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "created_at")
    search_fields = ("code", "name")
    inlines = [VersionInline]


class NodeInline(ReadOnlyMixin, admin.TabularInline):
    model = IndicatorNode
    fk_name = "version"
    fields = ("position", "code", "name", "weight", "parent", "nature", "source", "full")
    readonly_fields = fields
    extra = 0
    ordering = ("position",)


@admin.register(LibraryVersion)
class LibraryVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("library", "number", "based_on", "frozen_at", "created_at")
    list_filter = ("library",)
    inlines = [NodeInline]


@admin.register(IndicatorNode)
class IndicatorNodeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "version", "weight", "parent", "nature", "source")
    list_filter = ("version", "nature", "source")
    search_fields = ("code", "name")


@admin.register(IndicatorChange)
class IndicatorChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("version", "action", "node_code", "created_at", "created_by")
    list_filter = ("action",)
