"""Citizen ratings of service windows (政务服务“好差评”, REQUIREMENTS R4).

Places and people come in by *code* from business systems (C4), so the ratings app
keeps its own small registers — :class:`Hall`, :class:`Window`, :class:`StaffMember`,
:class:`ServiceItem` — each with a ``confirmed`` flag: a code seen for the first time is
registered with its code as name and listed for the evaluation office to confirm. A
hall or window may be linked to an ``org.Unit`` (the unit that answers for it: cases and
appeals go to that unit's contacts), and a staff member to an ``org.Staff``; the org
register itself is never filled with unconfirmed codes from outside systems.

The big tables (:class:`Transaction`, :class:`Rating`) carry the period and the place
of each row denormalised, so a month's statistics read one index range; the
per-month summary (:class:`RatingSummary`) is kept up to date in the same database
transaction as every rating, case closure and appeal decision.

Personal data (R10.2): a phone number is stored as a keyed hash (to see one phone
rating many times), a masked form (``138****8000``) for screens, and, where a call-back
needs it, sealed (encrypted and authenticated, :mod:`kaoping.ratings.pii`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("非常不满意")
    DISSATISFIED = 2, _("不满意")
    BASIC = 3, _("基本满意")
    SATISFIED = 4, _("满意")
    VERY_SATISFIED = 5, _("非常满意")


#: 好评 / 中评 / 差评 by level
GOOD_LEVELS, MIDDLE_LEVELS, BAD_LEVELS = frozenset({4, 5}), frozenset({3}), frozenset({1, 2})


class RatingChannel(models.TextChoices):
    """How the rating reached us (R4.3)."""

    KIOSK = "kiosk", _("现场评价器")
    QR = "qr", _("窗口二维码")
    MOBILE = "mobile", _("移动端网页")
    APP = "app", _("APP/小程序")
    SMS = "sms", _("短信")
    HOTLINE = "hotline", _("热线")
    PAPER = "paper", _("纸质评价表")
    API = "api", _("系统接口")
    DEFAULT = "default", _("逾期默认")


#: channels that staff enter on behalf of a citizen (hotline, SMS, paper)
STAFF_CHANNELS = frozenset({RatingChannel.SMS, RatingChannel.HOTLINE, RatingChannel.PAPER})

#: transaction channels whose ratings use the online sub-items (一事一评)
ONLINE_TRANSACTION_CHANNELS = frozenset({"online", "web", "mobile", "app", "miniprogram", "wechat", "alipay"})

#: sub-items (评价子项) by kind of transaction: code → label
ONSITE_ITEMS: dict[str, str] = {
    "efficiency": "服务效率",
    "quality": "服务水平",
    "attitude": "服务态度",
    "environment": "服务环境",
    "convenience": "办事便捷度",
}
ONLINE_ITEMS: dict[str, str] = {
    "efficiency": "办事效率",
    "guide_accuracy": "办事指南精确度",
    "convenience": "办事便捷度",
    "usability": "平台操作性",
}

#: problem tags offered on the rating pages (others are accepted and kept as given)
PROBLEM_TAGS: dict[str, str] = {
    "materials": "材料繁琐",
    "attitude": "态度冷漠",
    "waiting": "等待时间长",
    "repeat_visits": "多次跑腿",
    "system": "系统卡顿",
    "guide": "办事指南不清",
    "overdue": "超时办结",
    "unclear_answer": "答复不清楚",
    "fees": "乱收费",
    "other": "其他",
}


class Hall(models.Model):
    """A service hall (政务服务大厅)."""

    code = models.CharField(_("大厅代码"), max_length=64, unique=True)
    name = models.CharField(_("大厅名称"), max_length=200)
    unit = models.ForeignKey("org.Unit", models.SET_NULL, null=True, blank=True, related_name="rating_halls",
                             verbose_name=_("责任单位"))
    confirmed = models.BooleanField(_("已确认"), default=True,
                                    help_text=_("首次由业务系统报送的新代码需考核办确认"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务大厅")
        verbose_name_plural = _("服务大厅")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~models.Q(code=""), name="ratings_hall_code_not_empty")]

    def __str__(self) -> str:
        return self.name if self.name == self.code else f"{self.name}（{self.code}）"


class Window(models.Model):
    """A service window of a hall (服务窗口). Codes are unique within their hall."""

    hall = models.ForeignKey(Hall, models.PROTECT, related_name="windows", verbose_name=_("所属大厅"))
    code = models.CharField(_("窗口代码"), max_length=64)
    name = models.CharField(_("窗口名称"), max_length=200)
    unit = models.ForeignKey("org.Unit", models.SET_NULL, null=True, blank=True, related_name="rating_windows",
                             verbose_name=_("责任单位"))
    confirmed = models.BooleanField(_("已确认"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    #: part of the terminal key: raising it withdraws every address given out before
    kiosk_key_version = models.PositiveIntegerField(_("终端密钥版本"), default=1)

    class Meta:
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")
        ordering = ["hall__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "code"], name="ratings_window_code_unique_in_hall"),
            models.CheckConstraint(condition=~models.Q(code=""), name="ratings_window_code_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name if self.name == self.code else f"{self.name}（{self.code}）"

    def responsible_unit_id(self) -> int | None:
        """The unit answering for this window: its own, else its hall's."""
        return self.unit_id or self.hall.unit_id


class StaffMember(models.Model):
    """A person serving at windows (窗口工作人员), by the business systems' staff code."""

    code = models.CharField(_("工号"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=100)
    window = models.ForeignKey(Window, models.SET_NULL, null=True, blank=True, related_name="staff",
                               verbose_name=_("常驻窗口"))
    staff = models.OneToOneField("org.Staff", models.SET_NULL, null=True, blank=True, related_name="rating_member",
                                 verbose_name=_("人员档案"))
    confirmed = models.BooleanField(_("已确认"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("窗口工作人员")
        verbose_name_plural = _("窗口工作人员")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~models.Q(code=""), name="ratings_staff_code_not_empty")]

    def __str__(self) -> str:
        return self.name if self.name == self.code else f"{self.name}（{self.code}）"


class ServiceItem(models.Model):
    """A service item (政务服务事项)."""

    code = models.CharField(_("事项编码"), max_length=64, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    confirmed = models.BooleanField(_("已确认"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~models.Q(code=""), name="ratings_item_code_not_empty")]

    def __str__(self) -> str:
        return self.name if self.name == self.code else f"{self.name}（{self.code}）"


class RatingPolicy(models.Model):
    """The configurable numbers of R4 (one row; every default is what users quoted)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    rating_days = models.PositiveSmallIntegerField(_("可评价天数（自然日）"), default=7)
    default_fill = models.BooleanField(_("逾期未评按默认等级计"), default=False)
    default_level = models.PositiveSmallIntegerField(_("默认等级"), choices=Level.choices, default=Level.SATISFIED)
    case_plan_days = models.PositiveSmallIntegerField(_("差评整改方案期限（工作日）"), default=3)
    case_done_days = models.PositiveSmallIntegerField(_("差评整改完成期限（工作日）"), default=15)
    red_share = models.FloatField(_("红榜比例"), default=0.10)
    red_months = models.PositiveSmallIntegerField(_("红榜连续月数"), default=3)
    black_share = models.FloatField(_("黑榜比例"), default=0.10)
    black_months = models.PositiveSmallIntegerField(_("黑榜连续月数"), default=2)
    inspection_below = models.FloatField(_("督查预警满意度线"), default=80.0)
    inspection_periods = models.PositiveSmallIntegerField(_("连续低于的期数"), default=2)
    # integrity flags (R5.5)
    burst_minutes = models.PositiveIntegerField(_("集中好评时间窗（分钟）"), default=60)
    burst_count = models.PositiveIntegerField(_("时间窗内同一人员好评数"), default=20)
    burst_share = models.FloatField(_("时间窗内好评占比"), default=0.95)
    phone_max = models.PositiveIntegerField(_("同一手机/设备每月评价上限"), default=5)
    late_days = models.FloatField(_("评价距办结超过（天）视为异常"), default=5.0)
    # low rectification rate (R5.6): of a month's bad ratings past their done deadline
    rectify_min_rate = models.FloatField(_("差评整改率下限"), default=0.9,
                                         validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
                                         help_text=_("到期差评中已整改的比例低于此值时提示（0–1）"))
    rectify_min_cases = models.PositiveSmallIntegerField(_("整改率判定最少到期差评数"), default=3,
                                                         validators=[MinValueValidator(1)])
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("好差评参数")
        verbose_name_plural = _("好差评参数")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="ratings_policy_single_row"),
            models.CheckConstraint(condition=models.Q(default_level__gte=1, default_level__lte=5),
                                   name="ratings_policy_default_level_range"),
            models.CheckConstraint(condition=models.Q(rating_days__gte=1), name="ratings_policy_rating_days_positive"),
            models.CheckConstraint(condition=models.Q(rectify_min_rate__gte=0, rectify_min_rate__lte=1),
                                   name="ratings_policy_rectify_rate_range"),
        ]

    def __str__(self) -> str:
        return str(_("好差评参数"))


class Transaction(models.Model):
    """A service transaction (办件) reported by a business system (C4, R4.1)."""

    external_id = models.CharField(_("办件编号"), max_length=128, unique=True)
    service_item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="transactions",
                                     verbose_name=_("服务事项"))
    hall = models.ForeignKey(Hall, models.PROTECT, related_name="transactions", verbose_name=_("大厅"))
    window = models.ForeignKey(Window, models.PROTECT, related_name="transactions", verbose_name=_("窗口"))
    staff = models.ForeignKey(StaffMember, models.PROTECT, null=True, blank=True, related_name="transactions",
                              verbose_name=_("工作人员"))
    channel = models.CharField(_("办理渠道"), max_length=32, default="onsite")
    applicant_name_masked = models.CharField(_("申请人（脱敏）"), max_length=100, blank=True)
    applicant_phone_hash = models.CharField(_("申请人手机号摘要"), max_length=64, blank=True, db_index=True)
    applicant_phone_masked = models.CharField(_("申请人手机号（脱敏）"), max_length=32, blank=True)
    applicant_phone_sealed = models.TextField(_("申请人手机号（加密）"), blank=True)
    accepted_at = models.DateTimeField(_("受理时间"))
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    promised_minutes = models.PositiveIntegerField(_("承诺时限（分钟）"), null=True, blank=True)
    promised_days = models.PositiveIntegerField(_("承诺时限（天）"), null=True, blank=True)
    on_the_spot = models.BooleanField(_("即办件"), default=False)
    waiting_minutes = models.FloatField(_("等候时长（分钟）"), null=True, blank=True)
    #: end of the rating window: (completed_at or accepted_at) + rating_days at receipt
    rate_until = models.DateTimeField(_("评价截止"))
    #: first day (Beijing) of the month the transaction was completed (else accepted) in
    period = models.DateField(_("统计月份"))
    content_hash = models.CharField(_("报文摘要"), max_length=64)
    source = models.CharField(_("来源系统"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [
            models.Index(fields=["period", "window"], name="ratings_txn_period_window"),
            models.Index(fields=["rate_until"], name="ratings_txn_rate_until"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(external_id=""), name="ratings_txn_id_not_empty"),
            models.CheckConstraint(condition=models.Q(completed_at__isnull=True) |
                                   models.Q(completed_at__gte=models.F("accepted_at")),
                                   name="ratings_txn_completed_after_accepted"),
            models.CheckConstraint(condition=models.Q(waiting_minutes__isnull=True) | models.Q(waiting_minutes__gte=0),
                                   name="ratings_txn_waiting_non_negative"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def online(self) -> bool:
        return self.channel in ONLINE_TRANSACTION_CHANNELS


class Rating(models.Model):
    """One rating of one transaction (一次一评、一事一评, R4.2).

    ``is_default`` marks the default level counted for a transaction nobody rated in
    time (when the policy says so); such rows are always reported apart. ``excluded``
    is set only by an upheld appeal (:class:`Appeal`), recorded in the ledger.
    """

    transaction = models.OneToOneField(Transaction, models.PROTECT, related_name="rating",
                                       verbose_name=_("办件"))
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    items = models.JSONField(_("分项评价"), default=dict, blank=True)
    tags = models.JSONField(_("问题标签"), default=list, blank=True)
    comment = models.TextField(_("评价内容"), blank=True)
    channel = models.CharField(_("评价渠道"), max_length=16, choices=RatingChannel.choices)
    rated_at = models.DateTimeField(_("评价时间"))
    period = models.DateField(_("统计月份"), help_text=_("评价时间所在月（北京时间）的第一天"))
    # denormalised from the transaction: one index range per month and window
    hall = models.ForeignKey(Hall, models.PROTECT, related_name="ratings", verbose_name=_("大厅"))
    window = models.ForeignKey(Window, models.PROTECT, related_name="ratings", verbose_name=_("窗口"))
    staff = models.ForeignKey(StaffMember, models.PROTECT, null=True, blank=True, related_name="ratings",
                              verbose_name=_("工作人员"))
    service_item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="ratings", verbose_name=_("服务事项"))
    real_name = models.BooleanField(_("实名评价"), default=False)
    rater_phone_hash = models.CharField(_("评价人手机号摘要"), max_length=64, blank=True)
    rater_phone_masked = models.CharField(_("评价人手机号（脱敏）"), max_length=32, blank=True)
    rater_phone_sealed = models.TextField(_("评价人手机号（加密）"), blank=True)
    device_hash = models.CharField(_("设备摘要"), max_length=64, blank=True)
    is_default = models.BooleanField(_("默认评价"), default=False)
    excluded = models.BooleanField(_("经申诉剔除"), default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        indexes = [
            models.Index(fields=["period", "window", "level"], name="ratings_rating_period_window"),
            models.Index(fields=["staff", "rated_at"], name="ratings_rating_staff_time"),
            models.Index(fields=["rater_phone_hash", "period"], name="ratings_rating_phone"),
            models.Index(fields=["device_hash", "period"], name="ratings_rating_device"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="ratings_rating_level_range"),
            models.CheckConstraint(condition=models.Q(channel__in=RatingChannel.values),
                                   name="ratings_rating_channel_known"),
            models.CheckConstraint(condition=models.Q(is_default=False) | models.Q(channel=RatingChannel.DEFAULT),
                                   name="ratings_rating_default_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.get_level_display()}"

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    CALLED_BACK = "called_back", _("已回访")
    VERIFIED = "verified", _("已核实")
    RECTIFYING = "rectifying", _("整改中")
    RECTIFIED = "rectified", _("已整改")
    CLOSED = "closed", _("已办结")  # answered the rater; closed


class Verdict(models.TextChoices):
    FOUND = "found", _("情况属实")
    PARTLY = "partly", _("部分属实")
    NOT_FOUND = "not_found", _("情况不属实")


class BadRatingCase(models.Model):
    """The case a bad rating opens (差评整改, R4.4): call back, verify, rectify, reply.

    Deadlines are working days after the rating (plan in 3, done in 15 by default).
    A real-name bad rating must be called back before the case can close.
    """

    rating = models.OneToOneField(Rating, models.PROTECT, related_name="case", verbose_name=_("差评"))
    window = models.ForeignKey(Window, models.PROTECT, related_name="cases", verbose_name=_("窗口"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="rating_cases",
                             verbose_name=_("责任单位"))
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    callback_required = models.BooleanField(_("必须回访"), default=False)
    opened_at = models.DateTimeField(_("立案时间"))
    plan_due = models.DateField(_("方案期限"))
    done_due = models.DateField(_("整改期限"))
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    verdict = models.CharField(_("核实结论"), max_length=16, choices=Verdict.choices, blank=True)
    verify_note = models.TextField(_("核实情况"), blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    plan = models.TextField(_("整改方案"), blank=True)
    planned_at = models.DateTimeField(_("方案提交时间"), null=True, blank=True)
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    reply = models.TextField(_("答复评价人"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("经办人"))

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["status", "done_due"], name="ratings_case_status_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=CaseStatus.values), name="ratings_case_status_known"),
            models.CheckConstraint(condition=models.Q(done_due__gte=models.F("plan_due")),
                                   name="ratings_case_done_after_plan"),
        ]

    def __str__(self) -> str:
        return f"差评 #{self.rating_id}（{self.get_status_display()}）"

    @property
    def rectified(self) -> bool:
        return self.rectified_at is not None


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    UPHELD = "upheld", _("申诉成立（剔除）")
    REJECTED = "rejected", _("申诉不成立")


class Appeal(models.Model):
    """A unit's appeal against a mistaken or malicious bad rating; a reviewer decides.

    Only an upheld decision excludes the rating from statistics, and the exclusion is
    recorded in the ledger with the decision.
    """

    rating = models.ForeignKey(Rating, models.PROTECT, related_name="appeals", verbose_name=_("评价"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="rating_appeals",
                             verbose_name=_("申诉单位"))
    reason = models.TextField(_("申诉理由"))
    evidence = models.TextField(_("证据说明"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                 verbose_name=_("申诉人"))
    filed_at = models.DateTimeField(_("申诉时间"))
    status = models.CharField(_("状态"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("复核人"))
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_note = models.TextField(_("复核意见"), blank=True)

    class Meta:
        verbose_name = _("差评申诉")
        verbose_name_plural = _("差评申诉")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=AppealStatus.values),
                                   name="ratings_appeal_status_known"),
            models.UniqueConstraint(fields=["rating"], condition=models.Q(status="pending"),
                                    name="ratings_appeal_one_pending"),
            models.UniqueConstraint(fields=["rating"], condition=models.Q(status="upheld"),
                                    name="ratings_appeal_one_upheld"),
        ]

    def __str__(self) -> str:
        return f"申诉 #{self.pk}（{self.get_status_display()}）"


class SummaryKind(models.TextChoices):
    WINDOW = "window", _("窗口")
    STAFF = "staff", _("工作人员")
    ITEM = "item", _("服务事项")


class RatingSummary(models.Model):
    """Monthly counts per window / staff member / service item (R4.5, R4.8).

    Kept incrementally in the same database transaction as every rating, case step and
    appeal decision (``services``); ``kaoping ratings_summary --rebuild`` recomputes it
    from the raw rows. Rating columns are by rating month; ``txn_*`` columns by the
    month the transaction was completed (else accepted). Default levels are counted
    in ``default_*`` only, never in ``count`` or ``n1``..``n5``.
    """

    period = models.DateField(_("统计月份"))
    kind = models.CharField(_("维度"), max_length=8, choices=SummaryKind.choices)
    key = models.BigIntegerField(_("对象"))
    hall_id = models.BigIntegerField(_("大厅"), default=0, db_default=0)
    count = models.IntegerField(default=0, db_default=0)
    n1 = models.IntegerField(default=0, db_default=0)
    n2 = models.IntegerField(default=0, db_default=0)
    n3 = models.IntegerField(default=0, db_default=0)
    n4 = models.IntegerField(default=0, db_default=0)
    n5 = models.IntegerField(default=0, db_default=0)
    level_sum = models.BigIntegerField(default=0, db_default=0)
    bad_rectified = models.IntegerField(default=0, db_default=0)
    real_name_bad = models.IntegerField(default=0, db_default=0)
    called_back = models.IntegerField(default=0, db_default=0)
    excluded = models.IntegerField(default=0, db_default=0)
    default_count = models.IntegerField(default=0, db_default=0)
    default_level_sum = models.BigIntegerField(default=0, db_default=0)
    txn_count = models.IntegerField(default=0, db_default=0)
    txn_timed = models.IntegerField(default=0, db_default=0)
    txn_on_time = models.IntegerField(default=0, db_default=0)
    txn_on_the_spot = models.IntegerField(default=0, db_default=0)
    waiting_n = models.IntegerField(default=0, db_default=0)
    waiting_sum = models.FloatField(default=0.0, db_default=0.0)
    handling_n = models.IntegerField(default=0, db_default=0)
    handling_sum = models.FloatField(default=0.0, db_default=0.0)

    class Meta:
        verbose_name = _("好差评月度汇总")
        verbose_name_plural = _("好差评月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["period", "kind", "key"], name="ratings_summary_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=SummaryKind.values), name="ratings_summary_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.kind} {self.key}"


class ApiToken(models.Model):
    """A business system's API token: only its SHA-256 is stored."""

    name = models.CharField(_("系统名称"), max_length=100, unique=True)
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=12)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The answer to a request carrying an ``Idempotency-Key`` (C4), kept in the database.

    Written in the same transaction as the rating it answers, so a retry after a crash
    gets the stored answer exactly when the rating was committed.
    """

    scope = models.CharField(_("调用方"), max_length=120)
    key = models.CharField(_("幂等键"), max_length=200)
    endpoint = models.CharField(_("接口"), max_length=64)
    status = models.PositiveSmallIntegerField(_("状态码"))
    body = models.JSONField(_("应答"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="ratings_idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class FlagKind(models.TextChoices):
    BURST = "burst", _("集中好评")
    PHONE = "phone", _("同一手机多次评价")
    DEVICE = "device", _("同一设备多次评价")
    LATE = "late", _("评价远离办件时间")
    # R5.6, per window and month
    LOW_RECTIFICATION = "low_rectify", _("整改率偏低")
    RISING = "rising", _("差评上升")
    INSPECTION = "inspection", _("督查预警")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    CONFIRMED = "confirmed", _("属实")
    DISMISSED = "dismissed", _("排除")


class RatingFlag(models.Model):
    """An explainable integrity flag on ratings (R5.5, R5.6). It never changes a rating.

    A scan stores one flag per (kind, subject, month) and refreshes it while it is open;
    the office then decides it once — confirmed or dismissed, with a note — and the
    decision is in the ledger (:func:`~kaoping.ratings.integrity.flag_decide`).
    """

    kind = models.CharField(_("类型"), max_length=16, choices=FlagKind.choices)
    subject = models.CharField(_("对象"), max_length=200, help_text=_("如 staff:12、window:3、phone:<摘要前缀>"))
    period = models.DateField(_("统计月份"))
    window = models.ForeignKey(Window, models.SET_NULL, null=True, blank=True, related_name="flags",
                               verbose_name=_("窗口"))
    staff = models.ForeignKey(StaffMember, models.SET_NULL, null=True, blank=True, related_name="flags",
                              verbose_name=_("工作人员"))
    explanation = models.TextField(_("说明"))
    numbers = models.JSONField(_("依据数据"), default=dict)
    rating_ids = models.JSONField(_("涉及评价"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("核查人"))
    decided_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    decision_note = models.TextField(_("核查意见"), blank=True)

    class Meta:
        verbose_name = _("评价异常线索")
        verbose_name_plural = _("评价异常线索")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "period"], name="ratings_flag_unique"),
            models.CheckConstraint(condition=models.Q(status__in=FlagStatus.values), name="ratings_flag_status_known"),
            # open ⇔ not decided: a decision is never half recorded
            models.CheckConstraint(condition=models.Q(status=FlagStatus.OPEN, decided_at__isnull=True)
                                   | (~models.Q(status=FlagStatus.OPEN) & models.Q(decided_at__isnull=False)),
                                   name="ratings_flag_decided_when_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"


class FlagScan(models.Model):
    """When a month was last scanned for integrity flags: shared by every server process,
    so a page rescans only a month nobody has scanned for a while, and only one at a time."""

    period = models.DateField(_("统计月份"), unique=True)
    scanned_at = models.DateTimeField(_("扫描时间"))

    class Meta:
        verbose_name = _("异常线索扫描记录")
        verbose_name_plural = _("异常线索扫描记录")

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.scanned_at:%Y-%m-%d %H:%M}"
