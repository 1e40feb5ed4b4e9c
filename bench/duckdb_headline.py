"""The DuckDB comparison: the eight headline measures per office, and nothing else (no
rejects, trend, case lists, equity, workbooks or pages), from the same three CSV files.

    python3 bench/duckdb_headline.py DIRECTORY AS_OF CONFIG

Written as a fair, well-indexed SQL version of measures.md: dates parsed once, linking of
rows without a removal_id by an ASOF join on the child, business days from a calendar table
with the configured holidays, two threads (this machine's cores). Rows this program would
reject are mostly dropped too, but not by the same rules (no plausible-date range, no code
mapping), so a figure can differ slightly from measures.csv; the benchmark compares time.
"""
import sys
import time
import tomllib

import duckdb

directory, as_of, config_path = sys.argv[1], sys.argv[2], sys.argv[3]
with open(config_path, "rb") as file:
    holidays = tomllib.load(file).get("holidays", {}).get("dates", [])

started = time.perf_counter()
db = duckdb.connect()
db.execute("SET threads TO 2")
db.execute(f"SET VARIABLE as_of = DATE '{as_of}'")
# The shipped configuration's two date layouts, YYYY-MM-DD and MM/DD/YYYY.
db.execute("CREATE MACRO as_date(text) AS coalesce(TRY_CAST(text AS DATE), TRY_STRPTIME(text, '%m/%d/%Y')::DATE)")
db.execute("CREATE TEMP TABLE holidays(day DATE)")
if holidays:
    db.execute("INSERT INTO holidays VALUES " + ", ".join(f"(DATE '{day}')" for day in holidays))

db.execute(f"""
CREATE TEMP TABLE episodes AS
SELECT removal_id, child_id, office,
       as_date(removal_date) AS removal_date,
       COALESCE(as_date(placement_date), as_date(removal_date)) AS placement_date,
       upper(emergency) IN ('Y', 'YES', 'TRUE', '1') AS emergency,
       as_date(birth_date) AS birth_date,
       lower(permanency_goal) AS goal,
       CASE WHEN as_date(discharge_date) <= getvariable('as_of') THEN as_date(discharge_date) END AS discharge_date,
       CASE WHEN as_date(discharge_date) <= getvariable('as_of') THEN lower(discharge_reason) END AS reason
FROM read_csv('{directory}/removals.csv', all_varchar = true)
WHERE as_date(removal_date) <= getvariable('as_of') AND office IS NOT NULL
QUALIFY count(*) OVER (PARTITION BY removal_id) = 1
""")
db.execute(f"""
CREATE TEMP TABLE notices AS
SELECT removal_id, child_id, as_date(notice_date) AS day
FROM read_csv('{directory}/notifications.csv', all_varchar = true)
WHERE as_date(notice_date) <= getvariable('as_of')
""")
db.execute(f"""
CREATE TEMP TABLE meetings AS
SELECT removal_id, child_id, as_date(meeting_date) AS day, lower(meeting_type) AS kind
FROM read_csv('{directory}/meetings.csv', all_varchar = true)
WHERE as_date(meeting_date) <= getvariable('as_of')
  AND (status IS NULL OR lower(status) IN ('held', 'completed'))
  AND lower(meeting_type) IN ('initial_joint', 'large_team')
""")

# Business days: ordinal of every Monday–Friday that is not a holiday.
db.execute("""
CREATE TEMP TABLE calendar AS
SELECT day::DATE AS day,
       SUM(CASE WHEN isodow(day) <= 5 AND day NOT IN (SELECT day FROM holidays) THEN 1 ELSE 0 END)
           OVER (ORDER BY day) AS ordinal,
       isodow(day) <= 5 AND day NOT IN (SELECT day FROM holidays) AS working
FROM range(DATE '1990-01-01', DATE '2040-01-01', INTERVAL 1 DAY) AS t(day)
""")

measures = db.execute("""
WITH
linked_notices AS (
    SELECT removal_id, day FROM notices WHERE removal_id IS NOT NULL
    UNION ALL
    SELECT e.removal_id, n.day FROM (SELECT * FROM notices WHERE removal_id IS NULL) n
    ASOF JOIN episodes e ON n.child_id = e.child_id AND n.day >= e.removal_date
),
linked_meetings AS (
    SELECT removal_id, day, kind FROM meetings WHERE removal_id IS NOT NULL
    UNION ALL
    SELECT e.removal_id, m.day, m.kind FROM (SELECT * FROM meetings WHERE removal_id IS NULL) m
    ASOF JOIN episodes e ON m.child_id = e.child_id AND m.day >= e.removal_date
),
first_notice AS (SELECT removal_id, min(day) AS day FROM linked_notices GROUP BY removal_id),
e AS (
    SELECT *,
        getvariable('as_of') - INTERVAL 12 MONTH + INTERVAL 1 DAY AS period_start,
        birth_date IS NOT NULL AND birth_date + INTERVAL 216 MONTH <= removal_date AS adult,
        discharge_date IS NOT NULL AND discharge_date - removal_date < 8 AS short_stay,
        (SELECT min(c2.day) FROM calendar c2
          WHERE c2.working AND c2.ordinal = (SELECT c1.ordinal FROM calendar c1 WHERE c1.day = removal_date) + 2) AS emergency_deadline
    FROM episodes
),
entry_cohort AS (
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY child_id ORDER BY removal_date, removal_id) AS nth
        FROM e
        WHERE removal_date BETWEEN getvariable('as_of') - INTERVAL 24 MONTH + INTERVAL 1 DAY
                               AND getvariable('as_of') - INTERVAL 12 MONTH
    ) WHERE nth = 1 AND NOT short_stay AND NOT adult
),
per_episode AS (
    SELECT office, 'reunification_12m' AS measure,
           discharge_date <= removal_date + INTERVAL 12 MONTH AS met
    FROM e WHERE reason = 'reunification' AND discharge_date >= period_start AND NOT short_stay AND NOT adult
    UNION ALL
    SELECT office, 'guardianship_18m', discharge_date <= removal_date + INTERVAL 18 MONTH
    FROM e WHERE reason IN ('guardianship', 'permanent_guardianship') AND discharge_date >= period_start AND NOT short_stay AND NOT adult
    UNION ALL
    SELECT office, 'adoption_24m', discharge_date <= removal_date + INTERVAL 24 MONTH
    FROM e WHERE reason = 'adoption' AND discharge_date >= period_start AND NOT short_stay AND NOT adult
    UNION ALL
    SELECT office, 'permanency_12m_entry',
           coalesce(reason IN ('reunification', 'relative', 'guardianship', 'permanent_guardianship', 'adoption')
                    AND discharge_date <= removal_date + INTERVAL 12 MONTH, false)
    FROM entry_cohort
    UNION ALL
    SELECT e.office, 'relative_notice_30d', coalesce(f.day <= e.removal_date + 30, false)
    FROM e LEFT JOIN first_notice f USING (removal_id)
    WHERE e.removal_date >= e.period_start AND e.removal_date + 30 <= getvariable('as_of')
    UNION ALL
    SELECT e.office, 'initial_joint_5d',
           EXISTS (SELECT 1 FROM linked_meetings m WHERE m.removal_id = e.removal_id AND m.kind = 'initial_joint'
                   AND m.day BETWEEN e.placement_date AND e.placement_date + 5)
    FROM e WHERE placement_date >= period_start AND placement_date + 5 <= getvariable('as_of')
      AND (discharge_date IS NULL OR discharge_date >= placement_date + 5)
    UNION ALL
    SELECT e.office, 'emergency_team_2bd',
           EXISTS (SELECT 1 FROM linked_meetings m WHERE m.removal_id = e.removal_id AND m.kind = 'large_team'
                   AND m.day BETWEEN e.removal_date AND e.emergency_deadline)
    FROM e WHERE emergency AND removal_date >= period_start AND emergency_deadline <= getvariable('as_of')
    UNION ALL
    SELECT e.office, 'teaming_90d',
           EXISTS (SELECT 1 FROM linked_meetings m WHERE m.removal_id = e.removal_id AND m.kind = 'large_team'
                   AND m.day > getvariable('as_of') - 90 AND m.day <= getvariable('as_of'))
    FROM e WHERE discharge_date IS NULL AND removal_date <= getvariable('as_of') - 90
)
SELECT coalesce(office, 'Statewide') AS office, measure, count(*) FILTER (WHERE met) AS numerator, count(*) AS denominator
FROM per_episode GROUP BY GROUPING SETS ((office, measure), (measure)) ORDER BY office, measure
""").fetchall()
elapsed = time.perf_counter() - started
for office, measure, numerator, denominator in measures:
    if office == "Statewide":
        print(f"duckdb {measure:<22} {numerator:>7} / {denominator:<7}", file=sys.stderr)
print(f"{elapsed:.2f}s rows={len(measures)}", file=sys.stderr)
