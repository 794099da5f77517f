"""保存期間 and 満了時の措置 per 分類 (retention schedule), set by admins."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult import audit, transactions
from consult.errors import ConflictError, DomainError, NotFound
from models import Category, RetentionRule, db, utcnow
from models.records import ACTION_LABELS, RETENTION_YEARS

CONFLICT = transactions.conflict_message("この分類の保存期間", who="ほかの管理者")


@dataclass
class RuleView:
    """One line of the settings page: a category (or 未分類) and its rule (default when none is set)."""

    category_id: int | None
    name: str
    active: bool
    years: int | None
    action: str
    version: int  # 0: no rule stored yet (the default applies)

    @property
    def years_label(self) -> str:
        """保存期間 in Japanese."""
        return "常用" if self.years is None else f"{self.years}年"

    @property
    def action_label(self) -> str:
        """廃棄 or 移管."""
        return ACTION_LABELS[self.action]


def default_years() -> int:
    """Period for a 分類 without a stored rule (CONSULT_RETENTION_DEFAULT_YEARS)."""
    return int(current_app.config.get("CONSULT_RETENTION_DEFAULT_YEARS", 5))


def rule_map() -> dict[int | None, tuple[int | None, str]]:
    """{category_id (None = 未分類): (years, action)} for every stored rule."""
    return {r.category_id: (r.years, r.action) for r in db.session.scalars(select(RetentionRule))}


def rule_for(rules: dict, category_id: int | None) -> tuple[int | None, str]:
    """(years, action) of a category: its rule, else the default period with 廃棄."""
    return rules.get(category_id, (default_years(), "dispose"))


def list_rules() -> list[RuleView]:
    """Every category in display order, then 未分類, with the rule in force."""
    stored = {r.category_id: r for r in db.session.scalars(select(RetentionRule))}
    cats = db.session.scalars(select(Category).order_by(Category.sort_order, Category.id))
    rows = []
    for cat_id, name, active in [*((c.id, c.name, c.active) for c in cats), (None, "未分類（分類なし）", True)]:
        rule = stored.get(cat_id)
        rows.append(RuleView(cat_id, name, active, rule.years if rule else default_years(),
                             rule.action if rule else "dispose", rule.version if rule else 0))
    return rows


def parse_years(raw: str) -> int | None:
    """'5' → 5, 'permanent' → None (常用); anything else is a DomainError."""
    if raw == "permanent":
        return None
    try:
        years = int(raw)
    except (TypeError, ValueError):
        years = -1
    if years not in RETENTION_YEARS:
        raise DomainError("保存期間は1年・3年・5年・10年・30年・常用のいずれかを選んでください。")
    return years


def set_rule(category_id: int | None, years: int | None, action: str, expected_version: int, actor) -> RetentionRule:
    """Store the rule of one 分類 (audited); a stale `expected_version` is a ConflictError."""
    if action not in ACTION_LABELS:
        raise DomainError("満了時の措置は「廃棄」か「移管」を選んでください。")
    if years is not None and years not in RETENTION_YEARS:
        raise DomainError("保存期間は1年・3年・5年・10年・30年・常用のいずれかを選んでください。")
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise NotFound("分類が見つかりません。")
    rule = db.session.scalar(select(RetentionRule).where(
        RetentionRule.category_id.is_(None) if category_id is None else RetentionRule.category_id == category_id))
    current_version = rule.version if rule else 0
    if expected_version != current_version:
        raise ConflictError(CONFLICT)
    if rule is None:
        before = {"years": default_years(), "action": "dispose"}
        rule = RetentionRule(category_id=category_id, years=years, action=action)
        db.session.add(rule)
    else:
        before = {"years": rule.years, "action": rule.action}
        rule.years, rule.action, rule.updated_at = years, action, utcnow()
    db.session.flush()
    audit.record("retention.rule_updated", "retention_rule", rule.id, actor, before=before,
                 after={"category_id": category_id, "years": years, "action": action})
    transactions.commit(CONFLICT, also=(IntegrityError,))
    return rule
