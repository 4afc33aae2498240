"""The analyst's interface: documented SQL views in the `projections` schema (or a replay's)."""

from __future__ import annotations

from projections.tracking import SCHEMA

# Views run with their owner's rights, so a role granted only these views reads no base table.
# `{schema}` is the read models' schema; `ledger.` stays absolute (one ledger, many replays).
VIEWS: dict[str, str] = {
    "programs": """
        SELECT DISTINCT ON (program_id) program_id, name, version_from, referral_info, show_declines,
               show_purchase_history, hold_days, tiers, show_leaderboard_names, milestones
        FROM {schema}.program_versions WHERE version_from <= now()
        ORDER BY program_id, version_from DESC, event_id DESC""",
    "partners": """
        SELECT r.partner_id, r.name, coalesce(m.program_id, first.program_id) AS program_id,
               coalesce(m.effective_from, first.effective_from) AS program_since, r.recruited_by, r.joined_at
        FROM {schema}.partner_rows r
        LEFT JOIN LATERAL (SELECT program_id, effective_from FROM {schema}.partner_memberships
                           WHERE partner_id = r.partner_id AND effective_from <= now()
                           ORDER BY effective_from DESC, event_id DESC LIMIT 1) m ON true
        LEFT JOIN LATERAL (SELECT program_id, effective_from FROM {schema}.partner_memberships
                           WHERE partner_id = r.partner_id ORDER BY effective_from, event_id LIMIT 1) first ON true""",
    "milestone_progress": """
        SELECT partner_id, program_id, milestone_id, period, value, threshold, achieved, achieved_at,
               bonus_amount, bonus_currency, times_awarded, greatest(threshold - value, 0) AS remaining
        FROM {schema}.milestone_progress_rows""",
    "second_tier_attribution": """
        SELECT c.partner_id AS recruiter_id, s.partner_id AS recruit_id, c.currency,
               min(c.level) AS level,
               count(*) FILTER (WHERE s.status = 'completed' AND s.refunded < s.amount) AS recruit_sales,
               coalesce(sum(s.amount - s.refunded) FILTER (WHERE s.status = 'completed'), 0)::bigint
                   AS recruit_revenue,
               sum(c.earned)::bigint AS commission_earned, sum(c.reversed)::bigint AS commission_reversed,
               sum(c.earned - c.reversed)::bigint AS commission_net
        FROM {schema}.commission_lines c JOIN {schema}.sales s USING (sale_id)
        WHERE c.level >= 2
        GROUP BY c.partner_id, s.partner_id, c.currency""",
    "partner_period_totals": """
        WITH facts AS (
            SELECT s.partner_id, s.currency, s.occurred_at,
                   (s.status = 'completed' AND s.refunded < s.amount)::int AS sales,
                   CASE WHEN s.status = 'completed' THEN s.amount - s.refunded ELSE 0 END AS revenue,
                   0::bigint AS commission
            FROM {schema}.sales s
            -- A self-referred sale (the partner's own purchase) earns nothing and ranks for nothing.
            WHERE s.note IS DISTINCT FROM 'self_referral'
            UNION ALL
            SELECT c.partner_id, c.currency, s.occurred_at, 0, 0, c.earned - c.reversed
            FROM {schema}.commission_lines c JOIN {schema}.sales s USING (sale_id)),
        periods AS (
            SELECT f.*, k.kind, CASE k.kind WHEN 'lifetime' THEN 'lifetime'
                     WHEN 'month' THEN to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')
                     ELSE to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') END AS period
            FROM facts f CROSS JOIN (VALUES ('lifetime'), ('month'), ('quarter')) AS k(kind))
        SELECT kind AS period_kind, period, partner_id, currency, sum(sales)::bigint AS sales,
               sum(revenue)::bigint AS revenue, sum(commission)::bigint AS commission
        FROM periods GROUP BY kind, period, partner_id, currency""",
    "leaderboard": """
        SELECT t.*,
               rank() OVER (PARTITION BY period_kind, period, currency ORDER BY revenue DESC) AS rank_by_revenue,
               rank() OVER (PARTITION BY period_kind, period, currency ORDER BY sales DESC) AS rank_by_sales,
               rank() OVER (PARTITION BY period_kind, period, currency ORDER BY commission DESC) AS rank_by_commission
        FROM {schema}.partner_period_totals t""",
    "partner_activity": """
        SELECT p.partner_id, p.program_id,
               max(s.occurred_at) FILTER (WHERE s.status = 'completed') AS last_sale_at,
               count(s.sale_id) FILTER (WHERE s.status = 'completed'
                                        AND s.occurred_at > now() - interval '90 days') AS sales_last_90_days,
               coalesce(max(s.occurred_at) FILTER (WHERE s.status = 'completed')
                        < now() - make_interval(days => {schema}.inactive_after_days()), true) AS inactive
        FROM {schema}.partners p LEFT JOIN {schema}.sales s ON s.partner_id = p.partner_id
        GROUP BY p.partner_id, p.program_id""",
    "partner_referrals": """
        SELECT r.partner_id, r.kind, r.ref_id,
               CASE WHEN e.contact_id IS NOT NULL AND g.referral_info <> 'none' THEN 'erased'
                   ELSE CASE g.referral_info
                   WHEN 'first_name_last_initial' THEN trim(c.first_name || ' ' || left(c.last_name, 1) || '.')
                   WHEN 'full_name' THEN trim(c.first_name || ' ' || c.last_name)
                   WHEN 'full_name_email' THEN trim(c.first_name || ' ' || c.last_name)
                   WHEN 'contact_id' THEN r.contact_id END END AS customer,
               CASE WHEN g.referral_info = 'full_name_email' THEN coalesce(
                   CASE WHEN e.contact_id IS NOT NULL THEN 'erased' END, c.email) END AS customer_email,
               CASE WHEN g.show_purchase_history THEN r.product_id END AS product_id,
               CASE WHEN g.show_purchase_history THEN r.amount END AS amount,
               CASE WHEN g.show_purchase_history THEN r.currency END AS currency,
               r.occurred_at, r.status
        FROM (SELECT partner_id, 'sale' AS kind, sale_id AS ref_id, product_id, amount - refunded AS amount,
                     currency, occurred_at, status, contact_id FROM {schema}.sales
              UNION ALL
              SELECT partner_id, 'decline', decline_id, product_id, amount, currency, occurred_at, 'declined',
                     contact_id FROM {schema}.declines) r
        -- What a partner may see follows the settings of the program they are in now, for every row.
        JOIN {schema}.partners p ON p.partner_id = r.partner_id
        JOIN {schema}.programs g ON g.program_id = p.program_id
        -- Names and emails live in the ledger's personal data, by contact id (erasable there).
        LEFT JOIN ledger.personal_data c ON c.kind = 'contact' AND c.id = r.contact_id
        -- A customer forgotten (`ledger forget-customer`) shows as erased.
        LEFT JOIN ledger.erased_contacts e ON e.contact_id = r.contact_id
        WHERE (r.kind = 'sale' AND r.status <> 'declined') OR g.show_declines""",
}

FUNCTIONS = [
    # `ALTER DATABASE … SET ledger.inactive_after_days = 45` changes when a partner counts as inactive.
    """CREATE OR REPLACE FUNCTION {schema}.inactive_after_days() RETURNS int LANGUAGE sql STABLE AS
        $$ SELECT coalesce(nullif(current_setting('ledger.inactive_after_days', true), '')::int, 30) $$""",
]


def view_ddl(schema: str = SCHEMA) -> list[str]:
    """Statements (re)creating every view in `schema`, in dependency order."""
    return [f.format(schema=schema) for f in FUNCTIONS] + [
        f"CREATE OR REPLACE VIEW {schema}.{name} AS {body.format(schema=schema)}" for name, body in VIEWS.items()]
