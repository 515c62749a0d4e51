"""The tamper-evident ledger (R10.1): an append-only, hash-linked list of entries.

Each entry records one change (or one batch of an import) made by a service, in the
same transaction as the change: who, when, what, the rows it wrote with a digest of
each, and the hash of the entry before it. ``kaoping ledger verify`` recomputes the
chain and compares every covered row with what the ledger last recorded for it.
See :mod:`kaoping.ledger.services` for what is hashed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    seq = models.BigIntegerField(_("序号"), primary_key=True)
    created_at = models.DateTimeField(_("时间"))
    actor = models.CharField(_("操作人"), max_length=150)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象"), max_length=200)
    payload = models.TextField(_("内容（规范 JSON）"))
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("账本记录")
        verbose_name_plural = _("账本记录")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="ledger_entry_seq_positive"),
            models.UniqueConstraint(fields=["hash"], name="ledger_entry_hash_unique"),
            # a linear chain: no two entries follow the same one
            models.UniqueConstraint(fields=["prev_hash"], name="ledger_entry_no_fork"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class LedgerHead(models.Model):
    """The single row every append locks (``SELECT ... FOR UPDATE``) and moves forward.

    It serialises writers so the chain never forks, and lets ``verify`` notice entries
    cut off the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(_("最新序号"), default=0)
    hash = models.CharField(_("最新哈希"), max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("账本链头")
        verbose_name_plural = _("账本链头")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_single_row")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:16]}"
