//! Where a figure is counted and who may see it: statewide, an area office, a unit within an
//! office, a worker within a unit. One type for results, reports, delivery routing and the
//! output tables. Names are shared (`Arc<str>`): a scope is cloned into many rows.

use std::sync::Arc;

/// A name from the data (an office, a unit, a worker id), cheap to clone.
pub type Name = Arc<str>;

/// The level of a scope, from the widest to the narrowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Statewide,
    Office,
    Unit,
    Worker,
}

/// One node of the hierarchy: statewide ⊃ office ⊃ unit ⊃ worker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Statewide,
    Office { office: Name },
    Unit { office: Name, unit: Name },
    Worker { office: Name, unit: Name, worker: Name },
}

impl Scope {
    /// How the output tables write the statewide total in their `office` column.
    pub const STATEWIDE_LABEL: &'static str = "Statewide";

    pub fn office(name: &str) -> Self {
        Self::Office { office: name.into() }
    }

    pub fn level(&self) -> Level {
        match self {
            Self::Statewide => Level::Statewide,
            Self::Office { .. } => Level::Office,
            Self::Unit { .. } => Level::Unit,
            Self::Worker { .. } => Level::Worker,
        }
    }

    /// The office this scope lies in; `None` statewide.
    pub fn office_name(&self) -> Option<&str> {
        match self {
            Self::Statewide => None,
            Self::Office { office } | Self::Unit { office, .. } | Self::Worker { office, .. } => Some(office),
        }
    }

    /// The unit this scope lies in; `None` statewide and for a whole office.
    pub fn unit_name(&self) -> Option<&str> {
        match self {
            Self::Unit { unit, .. } | Self::Worker { unit, .. } => Some(unit),
            _ => None,
        }
    }

    /// The worker id of a worker scope.
    pub fn worker_id(&self) -> Option<&str> {
        match self {
            Self::Worker { worker, .. } => Some(worker),
            _ => None,
        }
    }

    /// The `office` column of the output tables: the office, or `Statewide` for the total.
    pub fn office_label(&self) -> &str {
        self.office_name().unwrap_or(Self::STATEWIDE_LABEL)
    }

    /// A short name for titles: `Statewide`, `Hartford`, `Hartford / Unit A`, `W123`.
    pub fn display_name(&self) -> String {
        match self {
            Self::Statewide => Self::STATEWIDE_LABEL.to_string(),
            Self::Office { office } => office.to_string(),
            Self::Unit { office, unit } => format!("{office} / {unit}"),
            Self::Worker { office, unit, worker } => format!("{office} / {unit} / {worker}"),
        }
    }

    /// The scope one level up; `None` statewide.
    pub fn parent(&self) -> Option<Self> {
        match self {
            Self::Statewide => None,
            Self::Office { .. } => Some(Self::Statewide),
            Self::Unit { office, .. } => Some(Self::Office { office: office.clone() }),
            Self::Worker { office, unit, .. } => Some(Self::Unit {
                office: office.clone(),
                unit: unit.clone(),
            }),
        }
    }

    /// Whether everything in `other` lies within this scope (a scope contains itself). The
    /// privacy rule of every report and message: a recipient sees only what their scope
    /// contains.
    pub fn contains(&self, other: &Scope) -> bool {
        let mut current = Some(other.clone());
        while let Some(scope) = current {
            if &scope == self {
                return true;
            }
            current = scope.parent();
        }
        false
    }

    /// Whether the item placed at (office, unit, worker) lies within this scope.
    pub fn contains_item(&self, office: &str, unit: &str, worker: &str) -> bool {
        match self {
            Self::Statewide => true,
            Self::Office { office: own } => **own == *office,
            Self::Unit {
                office: own,
                unit: own_unit,
            } => **own == *office && **own_unit == *unit,
            Self::Worker {
                office: own,
                unit: own_unit,
                worker: own_worker,
            } => **own == *office && **own_unit == *unit && **own_worker == *worker,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Level, Scope};

    fn worker() -> Scope {
        Scope::Worker {
            office: "Hartford".into(),
            unit: "Unit A".into(),
            worker: "W1".into(),
        }
    }

    #[test]
    fn each_scope_contains_itself_and_what_lies_below_it_only() {
        let unit = worker().parent().expect("a unit");
        let office = unit.parent().expect("an office");
        assert_eq!(office, Scope::office("Hartford"));
        assert_eq!(office.parent(), Some(Scope::Statewide));
        for (outer, inner) in [(&Scope::Statewide, &office), (&office, &unit), (&unit, &worker())] {
            assert!(outer.contains(inner) && outer.contains(outer));
            assert!(!inner.contains(outer));
        }
        assert!(!Scope::office("Hartford").contains(&Scope::office("New Haven")));
        assert!(unit.contains_item("Hartford", "Unit A", "W2"));
        assert!(!unit.contains_item("Hartford", "Unit B", "W1"));
        assert!(!unit.contains_item("New Haven", "Unit A", "W1"));
        assert_eq!(worker().level(), Level::Worker);
        assert_eq!(Scope::Statewide.office_label(), "Statewide");
        assert_eq!(unit.display_name(), "Hartford / Unit A");
    }
}
