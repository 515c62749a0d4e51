"""Models of the reports app: the publication of a campaign's results (R8.1-R8.2).

A :class:`Publication` is a decision: which snapshot was published, how (every unit
named, or only the top and bottom shares), by whom and when, and — for interval
publication — which units the red and black lists named. It is written once, by
:func:`kaoping.reports.services.results_publish`, with a ledger entry in the same
transaction, and never changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicationMode(models.TextChoices):
    FULL = "full", _("全面公开")
    INTERVAL = "interval", _("区间公开")


class Publication(models.Model):
    campaign = models.OneToOneField("campaigns.Campaign", models.PROTECT, related_name="publication",
                                    verbose_name=_("考评活动"))
    snapshot = models.ForeignKey("campaigns.ResultSnapshot", models.PROTECT, related_name="+",
                                 verbose_name=_("发布的结果快照"))
    mode = models.CharField(_("公开方式"), max_length=8, choices=PublicationMode.choices)
    top_share = models.FloatField(_("红榜比例"), help_text=_("区间公开时点名的前列比例，如 0.3"))
    bottom_share = models.FloatField(_("黑榜比例"), help_text=_("区间公开时点名的末位比例，如 0.1"))
    #: unit codes named on the red list (top) and the black list (bottom), in rank order
    top_units = models.JSONField(_("红榜单位"), default=list, blank=True)
    bottom_units = models.JSONField(_("黑榜单位"), default=list, blank=True)
    note = models.TextField(_("发布说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("发布人"))

    class Meta:
        verbose_name = _("结果发布")
        verbose_name_plural = _("结果发布")
        ordering = ["-published_at"]
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=["full", "interval"]), name="reports_publication_mode_known"),
            models.CheckConstraint(
                condition=Q(top_share__gte=0, top_share__lte=1, bottom_share__gte=0, bottom_share__lte=1),
                name="reports_publication_shares_in_range"),
            models.CheckConstraint(condition=Q(top_share__lte=1 - F("bottom_share")),
                                   name="reports_publication_shares_fit"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.get_mode_display()} @ {self.published_at:%Y-%m-%d %H:%M}"
