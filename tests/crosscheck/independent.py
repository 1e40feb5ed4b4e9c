#!/usr/bin/env python3
"""An independent implementation of the headline measures, written from the contract
(docs/measures.md, docs/extracts.md) rather than from the Rust code, to cross-check `measures.csv`,
`cases.csv`, `equity.csv`, the verdicts of `episodes.csv` and the row counts of `manifest.json`.

    python3 independent.py CONFIG INPUT_DIR AS_OF   ->  CSV on stdout:
        headline,,measure,office,numerator,denominator
        month,<month start>,measure,office,numerator,denominator
        rolling,<month start>,measure,office,numerator,denominator  (the point of that month)
        equity,,measure,office,group,numerator,denominator      (headline, per race/ethnicity group)
        episode,<numerator|denominator>,measure,removal_id      (headline, each episode counted)
        rows,<extract>,read,accepted,orphaned                   (each extract's row counts)
        case,<status>,measure,office,child_id,removal_id,removal_date,deadline,days_overdue,unit,worker_id
        unit,measure,office,unit,worker_id,numerator,denominator,overdue,due_soon  (headline; worker_id
                                                                      empty on a unit's total)

Canonical codes and headers only (what `generate` writes); the shipped configuration's
holidays and date formats.
"""
import calendar
import csv
import datetime as dt
import os
import sys
import tomllib
from collections import defaultdict

REASONS = {"reunification", "guardianship", "permanent_guardianship", "adoption", "relative",
           "emancipation", "transfer", "runaway", "death", "other"}
GOALS = {"reunification", "guardianship", "permanent_guardianship", "adoption", "oppla"}
PERMANENCY = {"reunification", "relative", "guardianship", "permanent_guardianship", "adoption"}
REENTRY_EXITS = {"reunification", "relative", "guardianship", "permanent_guardianship"}
SETTINGS = {"foster_family", "relative_foster", "pre_adoptive", "group_home", "institution",
            "supervised_independent_living", "respite", "trial_home_visit", "runaway", "other"}
NOT_PLACEMENTS = {"trial_home_visit", "runaway", "respite"}


def add_months(date, months):
    month_index = date.year * 12 + date.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def parse_date(text):
    text = text.strip()
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            parsed = dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
        # strptime accepts single digits; the spec's layouts are zero-padded with 4-digit years.
        if parsed.strftime(layout) == text and 1900 <= parsed.year <= 2100:
            return parsed
    raise ValueError(text)


def office_name(text):
    """With no configured offices: spaces collapsed, and a name in one case only capitalised
    word by word (docs/extracts.md), so HARTFORD and Hartford are one office."""
    name = " ".join(text.split())
    if any(c.isupper() for c in name) and any(c.islower() for c in name):
        return name
    return " ".join(word[:1].upper() + word[1:].lower() for word in name.split(" "))


def business_days_after(date, count, holidays):
    day = date
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            count -= 1
    return day


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def main():
    config_path, directory, as_of_text = sys.argv[1:4]
    with open(config_path, "rb") as file:
        config = tomllib.load(file)
    holidays = {dt.date.fromisoformat(text) for text in config.get("holidays", {}).get("dates", [])}
    race = config["race_ethnicity"]
    spellings = {}
    for category in race["categories"]:
        spellings[category] = spellings[category.strip().lower()] = category
    for alias, category in race.get("aliases", {}).items():
        spellings[alias] = spellings[alias.strip().lower()] = category

    def group_of(text):
        """The reporting category: empty is the missing one; an unknown value is its own group."""
        text = text.strip()
        if not text:
            return race["missing"]
        return spellings.get(text, spellings.get(text.lower(), text))
    as_of = dt.date.fromisoformat(as_of_text)

    episodes = {}
    seen_ids = set()
    row_counts = {}  # extract -> [read, accepted, orphaned]
    removal_rows = read(f"{directory}/removals.csv")
    for row in removal_rows:
        removal_id = row["removal_id"].strip()
        duplicate = removal_id in seen_ids
        if removal_id:
            seen_ids.add(removal_id)
        try:
            removal = parse_date(row["removal_date"])
            placement = parse_date(row["placement_date"]) or removal
            birth = parse_date(row["birth_date"])
            discharge = parse_date(row["discharge_date"])
        except ValueError:
            continue
        reason = row["discharge_reason"].strip().lower()
        goal = row["permanency_goal"].strip().lower()
        flag = row["emergency"].strip().lower()
        if (duplicate or not removal_id or not row["child_id"].strip() or not row["office"].strip() or removal is None
                or (discharge and discharge < removal) or (discharge and reason not in REASONS)
                or (reason and reason not in REASONS) or (goal and goal not in GOALS)
                or flag not in {"", "y", "n", "yes", "no", "true", "false", "1", "0"}):
            continue
        episodes[removal_id] = {
            "id": removal_id, "child": row["child_id"].strip(), "office": office_name(row["office"]),
            # docs/measures.md, "Breakdowns below the office": missing is Unassigned.
            "unit": (row.get("unit") or "").strip() or "Unassigned",
            "worker": (row.get("worker_id") or "").strip() or "Unassigned",
            "removal": removal, "placement": placement, "emergency": flag in {"y", "yes", "true", "1"},
            "birth": birth, "goal": goal or None, "group": group_of(row["race_ethnicity"]),
            "discharge": (discharge, reason) if discharge else None, "notices": [], "meetings": [],
            "placements": [],
        }
    row_counts["removals"] = [len(removal_rows), len(episodes), 0]
    by_child = defaultdict(list)
    for episode in episodes.values():
        by_child[episode["child"]].append(episode)

    def link(row, date):
        removal_id = row.get("removal_id", "").strip()
        if removal_id:
            return episodes.get(removal_id)
        candidates = [e for e in by_child.get(row["child_id"].strip(), []) if e["removal"] <= date]
        return max(candidates, key=lambda e: (e["removal"], e["id"])) if candidates else None

    for kind, file_name, date_column in (("notices", "notifications.csv", "notice_date"), ("meetings", "meetings.csv", "meeting_date")):
        ids = set()
        rows = read(f"{directory}/{file_name}")
        counts = row_counts[file_name.removesuffix(".csv")] = [len(rows), 0, 0]
        for row in rows:
            row_id = row["notice_id" if kind == "notices" else "meeting_id"].strip()
            duplicate = row_id in ids
            if row_id:
                ids.add(row_id)
            try:
                date = parse_date(row[date_column])
            except ValueError:
                continue
            if duplicate or not row_id or not row["child_id"].strip() or date is None:
                continue
            if kind == "meetings":
                meeting_type = row["meeting_type"].strip().lower()
                status = row["status"].strip().lower() or "held"
                if meeting_type not in {"initial_joint", "large_team", "individual", "other"} or status not in {"held", "cancelled", "scheduled"}:
                    continue
            counts[1] += 1
            episode = link(row, date)
            if episode is None:
                counts[2] += 1
                continue
            if kind == "notices":
                episode["notices"].append(date)
            else:
                episode["meetings"].append((date, meeting_type, status))

    # placements.csv (optional: only when configured and present).
    placements_file = config["input"].get("placements_file")
    if placements_file and os.path.exists(f"{directory}/{placements_file}"):
        rows = read(f"{directory}/{placements_file}")
        counts = row_counts["placements"] = [len(rows), 0, 0]
        ids = set()
        for row in rows:
            placement_id = row["placement_id"].strip()
            duplicate = placement_id in ids
            if placement_id:
                ids.add(placement_id)
            try:
                start = parse_date(row["start_date"])
                end = parse_date(row["end_date"])
            except ValueError:
                continue
            setting = row["setting"].strip().lower()
            flag = row["emergency"].strip().lower()
            if (duplicate or not placement_id or not row["child_id"].strip() or start is None
                    or (end is not None and end < start) or setting not in SETTINGS
                    or flag not in {"", "y", "n", "yes", "no", "true", "false", "1", "0"}):
                continue
            counts[1] += 1
            episode = link(row, start)
            if episode is None:
                counts[2] += 1
                continue
            episode["placements"].append((start, placement_id, setting, flag in {"y", "yes", "true", "1"}))
        for episode in episodes.values():
            episode["placements"].sort(key=lambda placement: (placement[0], placement[1]))

    def known_discharge(e):
        return e["discharge"] if e["discharge"] and e["discharge"][0] <= as_of else None

    def adult_on(e, date):
        return e["birth"] is not None and add_months(e["birth"], 216) <= date

    def adult_at_removal(e):
        return adult_on(e, e["removal"])

    def judged_discharge(e, discharge):
        """permanency_12m_entry's trial home visit adjustment (docs/measures.md, section 4)."""
        if discharge[1] != "reunification":
            return discharge[0]
        before = [p for p in e["placements"] if p[0] <= discharge[0]]
        if before and before[-1][2] == "trial_home_visit" and (discharge[0] - before[-1][0]).days > 30:
            return before[-1][0] + dt.timedelta(days=30)
        return discharge[0]

    def held(e, meeting_type):
        return [date for date, kind, status in e["meetings"] if kind == meeting_type and status == "held" and date <= as_of]

    has_placements = "placements" in row_counts
    timely = (("reunification_12m", {"reunification"}, {"reunification"}, 12),
              ("guardianship_18m", {"guardianship", "permanent_guardianship"}, {"guardianship", "permanent_guardianship"}, 18),
              ("adoption_24m", {"adoption"}, {"adoption"}, 24))

    def evaluate(kind, start, end):
        """Counts per (measure, office) for one period, per (measure, office, group), and where
        each episode counted ((measure, removal_id) -> in the numerator); `kind` is headline or
        month."""
        counts = defaultdict(lambda: [0, 0])
        group_counts = defaultdict(lambda: [0, 0])
        unit_counts = defaultdict(lambda: [0, 0])  # (measure, office, unit, worker or "")
        counted = {}
        in_period = lambda date: date is not None and start <= date <= end

        def count(measure, e, numerator, adds_numerator=None, adds_denominator=1):
            """`e` is in the denominator (`numerator`: also in the numerator, as episodes.csv says);
            it adds one (or days, moves) to the figures."""
            assert (measure, e["id"]) not in counted, "an episode counts once per measure and period"
            counted[(measure, e["id"])] = numerator
            adds_numerator = (1 if numerator else 0) if adds_numerator is None else adds_numerator
            for office in (e["office"], "Statewide"):
                for key, table in (((measure, office), counts), ((measure, office, e["group"]), group_counts)):
                    table[key][1] += adds_denominator
                    table[key][0] += adds_numerator
            for worker in ("", e["worker"]):
                key = (measure, e["office"], e["unit"], worker)
                unit_counts[key][1] += adds_denominator
                unit_counts[key][0] += adds_numerator

        if kind == "headline":  # also each rolling point: the headline as if the period ended on `end`
            entry_start, entry_end = add_months(end, -24) + dt.timedelta(days=1), add_months(end, -12)
            first_day = start  # F
        else:
            entry_start, entry_end = add_months(start, -12), add_months(end, -12)
            first_day = add_months(end, -12) + dt.timedelta(days=1)  # F of the 12 months ending on the month's end
        exit_start, exit_end = entry_start, entry_end  # re-entry's exit window looks back as the entry cohort
        point = end  # teaming_90d: as_of, or the month's last day (cut at as_of)
        for e in episodes.values():
            if e["removal"] > as_of:
                continue
            discharge = known_discharge(e)
            for measure, reasons, _, months in timely:
                if discharge and discharge[1] in reasons and in_period(discharge[0]) \
                        and (discharge[0] - e["removal"]).days >= 8 and not adult_at_removal(e):
                    count(measure, e, discharge[0] <= add_months(e["removal"], months))
            if entry_start <= e["removal"] <= entry_end:
                first = min((o for o in by_child[e["child"]] if entry_start <= o["removal"] <= entry_end), key=lambda o: (o["removal"], o["id"]))
                short = discharge is not None and (discharge[0] - e["removal"]).days < 8
                if first is e and not short and not adult_at_removal(e):
                    count("permanency_12m_entry", e, discharge is not None and discharge[1] in PERMANENCY
                          and judged_discharge(e, discharge) <= add_months(e["removal"], 12))
            # Federal: permanency in 12 months for children in care 12-23 and 24+ months on F.
            in_care_on_f = e["removal"] <= first_day and (discharge is None or discharge[0] > first_day)
            if in_care_on_f and not adult_on(e, first_day):
                permanent = (discharge is not None and discharge[1] in PERMANENCY and discharge[0] <= end
                             and (e["birth"] is None or discharge[0] < add_months(e["birth"], 216)))
                if add_months(e["removal"], 12) <= first_day < add_months(e["removal"], 24):
                    count("permanency_12m_in_care_12_23", e, permanent)
                if add_months(e["removal"], 24) <= first_day:
                    count("permanency_12m_in_care_24_plus", e, permanent)
            # Federal: re-entry within 12 months of the child's first exit in the window.
            if discharge is not None and exit_start <= discharge[0] <= exit_end and discharge[1] in REENTRY_EXITS:
                exits = [o for o in by_child[e["child"]] if known_discharge(o) and o["removal"] <= as_of
                         and exit_start <= o["discharge"][0] <= exit_end and o["discharge"][1] in REENTRY_EXITS]
                first = min(exits, key=lambda o: (o["discharge"][0], o["id"]))
                if first is e and (discharge[0] - e["removal"]).days >= 8 and not adult_on(e, discharge[0]):
                    count("reentry_12m", e, any(o is not e and o["removal"] <= as_of
                                                and discharge[0] < o["removal"] <= add_months(discharge[0], 12)
                                                for o in by_child[e["child"]]))
            # Federal: placement moves per 1,000 days (with the placements extract).
            if has_placements and in_period(e["removal"]) and not adult_at_removal(e) \
                    and not (discharge is not None and (discharge[0] - e["removal"]).days < 8):
                stop = min(discharge[0], end) if discharge else end
                care_days = ((min(discharge[0], end + dt.timedelta(days=1)) if discharge else end + dt.timedelta(days=1))
                             - e["removal"]).days
                proper = [p for p in e["placements"] if p[2] not in NOT_PLACEMENTS and p[0] <= as_of]
                moves = sum(1 for p in proper[1:] if p[0] <= stop)
                count("placement_moves_per_1000_days", e, moves > 0, moves, care_days)
            deadline = e["removal"] + dt.timedelta(days=30)
            if in_period(e["removal"]) and deadline <= as_of:
                count("relative_notice_30d", e, any(date <= deadline for date in e["notices"]))
            window_end = e["placement"] + dt.timedelta(days=5)
            if in_period(e["placement"]) and window_end <= as_of and not (discharge and discharge[0] < window_end):
                count("initial_joint_5d", e, any(e["placement"] <= date <= window_end for date in held(e, "initial_joint")))
            if e["emergency"] and in_period(e["removal"]):
                deadline = business_days_after(e["removal"], 2, holidays)
                if deadline <= as_of:
                    count("emergency_team_2bd", e, any(e["removal"] <= date <= deadline for date in held(e, "large_team")))
            # Teaming at critical decision points (docs/measures.md, section 5): a held large team
            # meeting from 30 days before the decision to its day.
            def meeting_before(day):
                return any(day - dt.timedelta(days=30) <= date <= day for date in held(e, "large_team"))
            if discharge and in_period(discharge[0]) and discharge[1] == "reunification" \
                    and (discharge[0] - e["removal"]).days >= 8:
                count("team_before_return_home", e, meeting_before(discharge[0]))
            if has_placements:
                proper = [p for p in e["placements"] if p[2] not in NOT_PLACEMENTS and p[0] <= as_of]
                changes = [p for p in proper[1:] if not p[3] and in_period(p[0])
                           and (discharge is None or p[0] <= discharge[0])]
                if changes:
                    met = [meeting_before(p[0]) for p in changes]
                    count("team_before_placement_change", e, all(met), sum(met), len(changes))
            in_care_on_point = e["removal"] <= point and (discharge is None or discharge[0] > point)
            if in_care_on_point and e["removal"] <= point - dt.timedelta(days=90):
                count("teaming_90d", e, any(point - dt.timedelta(days=90) < date <= point for date in held(e, "large_team")))
        return counts, group_counts, counted, unit_counts

    writer = csv.writer(sys.stdout)
    writer.writerow(["kind", "month", "measure", "office", "numerator", "denominator"])
    for extract, (read_count, accepted, orphaned) in sorted(row_counts.items()):
        writer.writerow(["rows", extract, read_count, accepted, orphaned])
    reporting_start = add_months(as_of, -12) + dt.timedelta(days=1)
    headline, headline_groups, counted, unit_counts = evaluate("headline", reporting_start, as_of)
    for (measure, office), (numerator, denominator) in sorted(headline.items()):
        writer.writerow(["headline", "", measure, office, numerator, denominator])
    for (measure, office, group), (numerator, denominator) in sorted(headline_groups.items()):
        writer.writerow(["equity", "", measure, office, group, numerator, denominator])
    for (measure, removal_id), numerator in sorted(counted.items()):
        writer.writerow(["episode", "numerator" if numerator else "denominator", measure, removal_id])
    first_of_month = as_of.replace(day=1)
    for back in range(11, -1, -1):
        start = add_months(first_of_month, -back)
        end = min(add_months(start, 1) - dt.timedelta(days=1), as_of)
        for (measure, office), (numerator, denominator) in sorted(evaluate("month", start, end)[0].items()):
            writer.writerow(["month", start.isoformat(), measure, office, numerator, denominator])
        # Rolling (docs/measures.md, "Trend"): the headline for the 12 months ending on the
        # month's last day (or as_of); what is known stays as of as_of.
        rolling_start = add_months(end, -12) + dt.timedelta(days=1)
        for (measure, office), (numerator, denominator) in sorted(evaluate("headline", rolling_start, end)[0].items()):
            writer.writerow(["rolling", start.isoformat(), measure, office, numerator, denominator])

    # Case lists (docs/measures.md, "Case lists"): children in care on as_of.
    case_counts = defaultdict(lambda: [0, 0])  # (measure, office, unit, worker or "") -> overdue, due soon
    for e in sorted(episodes.values(), key=lambda e: e["id"]):
        discharge = known_discharge(e)
        if e["removal"] > as_of or discharge is not None:
            continue
        in_period = lambda date: reporting_start <= date <= as_of
        rows = []
        for measure, _, goals, months in timely:
            if e["goal"] in goals:
                deadline = add_months(e["removal"], months)
                if deadline < as_of:
                    rows.append((measure, "overdue", deadline))
                elif deadline <= as_of + dt.timedelta(days=60):
                    rows.append((measure, "due_soon", deadline))
        # Relative notice: until a notice dated on or before as_of exists.
        if not any(date <= as_of for date in e["notices"]):
            deadline = e["removal"] + dt.timedelta(days=30)
            rows.append(("relative_notice_30d", "overdue" if deadline <= as_of else "due_soon", deadline))
        # Initial joint conversation: placed by as_of, none held from the placement to as_of.
        if e["placement"] <= as_of and not any(e["placement"] <= date for date in held(e, "initial_joint")):
            deadline = e["placement"] + dt.timedelta(days=5)
            if deadline > as_of:
                rows.append(("initial_joint_5d", "due_soon", deadline))
            elif in_period(deadline):
                rows.append(("initial_joint_5d", "overdue", deadline))
        # Emergency large team meeting: none held from the removal to as_of.
        if e["emergency"] and not any(e["removal"] <= date for date in held(e, "large_team")):
            deadline = business_days_after(e["removal"], 2, holidays)
            if deadline > as_of:
                rows.append(("emergency_team_2bd", "due_soon", deadline))
            elif in_period(deadline):
                rows.append(("emergency_team_2bd", "overdue", deadline))
        # Teaming every 90 days: from the latest held large team meeting, or the removal.
        deadline = max([e["removal"], *held(e, "large_team")]) + dt.timedelta(days=90)
        if deadline <= as_of:
            rows.append(("teaming_90d", "overdue", deadline))
        elif deadline <= as_of + dt.timedelta(days=14):
            rows.append(("teaming_90d", "due_soon", deadline))
        for measure, status, deadline in rows:
            writer.writerow(["case", status, measure, e["office"], e["child"], e["id"], e["removal"].isoformat(),
                             deadline.isoformat(), (as_of - deadline).days, e["unit"], e["worker"]])
            for worker in ("", e["worker"]):
                case_counts[(measure, e["office"], e["unit"], worker)][0 if status == "overdue" else 1] += 1

    # Units and workers: every headline figure and case-list count.
    for key in sorted(set(unit_counts) | set(case_counts)):
        measure, office, unit, worker = key
        numerator, denominator = unit_counts.get(key, (0, 0))
        overdue, due_soon = case_counts.get(key, (0, 0))
        writer.writerow(["unit", measure, office, unit, worker, numerator, denominator, overdue, due_soon])


if __name__ == "__main__":
    main()
