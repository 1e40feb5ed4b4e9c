//! The action list: who must act, on which child, by when. Items (case-list rows) are ordered
//! office, unit, worker, then child by urgency — the child with the most overdue item first,
//! then the nearest deadlines — and each child's items the same way; `child_blocks` groups
//! them as a page shows them: one block per child with all of that child's open items.

use std::borrow::Borrow;
use std::cmp::Reverse;

use crate::engine::CaseRow;
use crate::measures::REGISTRY;
use crate::performance::FastHashMap;

/// (place rank, the child's urgency, the child, the item's urgency, the measure's rank).
type SortKey<'a> = (u32, Reverse<i64>, &'a str, Reverse<i64>, usize);

/// The whole case list in action order, found once for every report and worker's message
/// (sorting each report's and each worker's items again cost a tenth of a second at national
/// scale). Any scope's items taken in this order are in their own action order
/// (`in_action_order`): a child's items all come from one removal, so share its office, unit
/// and worker, and a scope (an office, a unit, a worker) takes all of a child's items or none;
/// places keep their order among any of them; ties fall to the list's order either way.
pub struct ActionOrder<'a> {
    cases: &'a [CaseRow],
    order: Vec<u32>,
}

impl<'a> ActionOrder<'a> {
    pub fn new(cases: &'a [CaseRow]) -> Self {
        Self {
            cases,
            order: action_order_of(cases),
        }
    }

    /// Every case, in action order.
    pub fn iter(&self) -> impl Iterator<Item = &'a CaseRow> + '_ {
        let cases = self.cases;
        self.order.iter().map(move |&index| &cases[index as usize])
    }
}

/// `cases` (rows, or references to rows) in action order.
#[cfg(test)]
pub fn in_action_order<Row: Borrow<CaseRow>>(cases: Vec<Row>) -> Vec<Row> {
    let order = action_order_of(&cases);
    let mut slots: Vec<Option<Row>> = cases.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots[index as usize].take())
        .collect()
}

/// The positions of `cases` in action order. Sorted as numbers: each case's (office, unit,
/// worker) by its rank among the few thousand distinct ones, its child's urgency, then the
/// child and the item; ties in the list's order.
fn action_order_of<Row: Borrow<CaseRow>>(cases: &[Row]) -> Vec<u32> {
    // A child's urgency: their largest days overdue (due-soon items are 0 or negative, so the
    // nearest deadline is the largest among them too).
    let mut urgency: FastHashMap<(&str, &str), i64> = Default::default();
    let mut places: FastHashMap<(&str, &str, &str), u32> = Default::default();
    for case in cases.iter().map(Borrow::borrow) {
        let entry = urgency.entry((&*case.office, &*case.removal_id)).or_insert(i64::MIN);
        *entry = (*entry).max(case.days_overdue);
        places.insert((&*case.office, &*case.unit, &*case.worker_id), 0);
    }
    let mut ranked: Vec<(&str, &str, &str)> = places.keys().copied().collect();
    ranked.sort_unstable();
    for (rank, place) in ranked.into_iter().enumerate() {
        places.insert(place, rank as u32);
    }
    let keys: Vec<SortKey<'_>> = cases
        .iter()
        .map(Borrow::borrow)
        .map(|case: &CaseRow| {
            (
                places[&(&*case.office, &*case.unit, &*case.worker_id)],
                Reverse(urgency[&(&*case.office, &*case.removal_id)]),
                &*case.removal_id,
                Reverse(case.days_overdue),
                REGISTRY
                    .iter()
                    .position(|measure| measure.id() == case.measure)
                    .unwrap_or(usize::MAX),
            )
        })
        .collect();
    let mut order: Vec<u32> = (0..cases.len() as u32).collect();
    order.sort_unstable_by(|&left, &right| keys[left as usize].cmp(&keys[right as usize]).then(left.cmp(&right)));
    order
}

/// One child's open items, as a page shows them.
pub struct ChildBlock<'a, Row = CaseRow> {
    pub items: &'a [Row],
}

impl<Row: Borrow<CaseRow>> ChildBlock<'_, Row> {
    pub fn first(&self) -> &CaseRow {
        self.items[0].borrow()
    }

    /// The status the child's block shows: overdue when any of its items is.
    pub fn status(&self) -> crate::measures::CaseStatus {
        use crate::measures::CaseStatus;
        match self
            .items
            .iter()
            .any(|item| item.borrow().status == CaseStatus::Overdue)
        {
            true => CaseStatus::Overdue,
            false => CaseStatus::DueSoon,
        }
    }
}

/// Consecutive items of one episode, from cases (rows, or references to rows) in action order.
pub fn child_blocks<Row: Borrow<CaseRow>>(cases: &[Row]) -> Vec<ChildBlock<'_, Row>> {
    cases
        .chunk_by(|left, right| {
            let (left, right) = (left.borrow(), right.borrow());
            left.removal_id == right.removal_id && left.office == right.office
        })
        .map(|items| ChildBlock { items })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{ActionOrder, child_blocks, in_action_order};
    use crate::engine::CaseRow;
    use crate::measures::CaseStatus;

    fn case(unit: &str, worker: &str, removal: &str, measure: &'static str, days: i64) -> CaseRow {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        CaseRow {
            office: "Hartford".into(),
            unit: unit.into(),
            worker_id: worker.into(),
            measure,
            status: if days > 0 {
                CaseStatus::Overdue
            } else {
                CaseStatus::DueSoon
            },
            child_id: format!("C-{removal}").into(),
            removal_id: removal.into(),
            removal_date: date,
            deadline: date,
            days_overdue: days,
        }
    }

    #[test]
    fn by_unit_and_worker_then_the_most_urgent_child_with_all_its_items() {
        let cases = vec![
            case("Intake", "W2", "R1", "teaming_90d", -3),
            case("Intake", "W1", "R2", "teaming_90d", -10),
            case("Intake", "W1", "R3", "relative_notice_30d", 40),
            case("Intake", "W1", "R2", "initial_joint_5d", 5),
            case("Adolescent", "W9", "R4", "teaming_90d", 1),
        ];
        let ordered = in_action_order(cases);
        let order: Vec<(&str, &str, i64)> = ordered
            .iter()
            .map(|case| (case.worker_id.as_ref(), &*case.removal_id, case.days_overdue))
            .collect();
        assert_eq!(
            order,
            [
                ("W9", "R4", 1),
                ("W1", "R3", 40),
                ("W1", "R2", 5),
                ("W1", "R2", -10),
                ("W2", "R1", -3)
            ]
        );
        let blocks = child_blocks(&ordered);
        assert_eq!(blocks.len(), 4);
        assert_eq!(blocks[2].items.len(), 2, "R2's two items in one block");
    }

    /// What lets every report and worker's message take its items from one order: a scope's
    /// items in the whole list's order are in their own action order.
    #[test]
    fn a_scope_taken_from_the_whole_order_is_in_its_own_action_order() {
        let mut cases = Vec::new();
        for (index, (office, unit, worker)) in [
            ("Hartford", "Intake", "W1"),
            ("Hartford", "Intake", "W2"),
            ("Hartford", "Ongoing", "W1"),
            ("Norwich", "Intake", "W1"),
            ("Norwich", "Adolescent", "W3"),
        ]
        .into_iter()
        .enumerate()
        {
            for child in 0..4_i64 {
                let removal = format!("R{}{child}", 4 - index);
                for (measure, days) in [("teaming_90d", child * 7 - 10), ("relative_notice_30d", 12 - child * 5)] {
                    let mut row = case(unit, worker, &removal, measure, days);
                    row.office = office.into();
                    cases.push(row);
                }
            }
        }
        // The list's order matters for ties only: shuffle it by a fixed rule.
        cases.reverse();
        cases.swap(3, 17);
        let whole = ActionOrder::new(&cases);
        type InScope = Box<dyn Fn(&CaseRow) -> bool>;
        let scopes: [(&str, InScope); 4] = [
            ("an office", Box::new(|case| &*case.office == "Hartford")),
            (
                "a unit",
                Box::new(|case| &*case.office == "Norwich" && &*case.unit == "Intake"),
            ),
            ("a worker", Box::new(|case| &*case.worker_id == "W1")),
            ("everyone", Box::new(|_| true)),
        ];
        for (name, in_scope) in scopes {
            let taken: Vec<&CaseRow> = whole.iter().filter(|case| in_scope(case)).collect();
            let own: Vec<&CaseRow> = in_action_order(cases.iter().filter(|case| in_scope(case)).collect());
            let ids = |rows: &[&CaseRow]| -> Vec<(String, &'static str)> {
                rows.iter()
                    .map(|row| (row.removal_id.to_string(), row.measure))
                    .collect()
            };
            assert!(!taken.is_empty(), "{name}");
            assert_eq!(ids(&taken), ids(&own), "{name}");
            assert!(
                taken.iter().zip(&own).all(|(left, right)| std::ptr::eq(*left, *right)),
                "{name}: the same rows"
            );
        }
    }
}
