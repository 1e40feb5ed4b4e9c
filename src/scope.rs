//! Where a figure is counted and who may see it: statewide, an area office, a unit within an
//! office, a worker within a unit. One type for results, reports, delivery routing and the
//! output tables. Names are shared (`Arc<str>`): a scope is cloned into many rows.

use std::sync::Arc;

/// A name from the data (an office, a unit, a worker id), cheap to clone.
pub type Name = Arc<str>;

/// Shares one `Name` among the many rows that spell the same value (a million episodes, a
/// few dozen offices and groups, a few hundred units). Workers, 20,000 of them, are numbered
/// instead (`model::WorkerIds`): a shared name's count written once a row was a cache miss a
/// row among that many.
#[derive(Debug, Default)]
pub struct NameInterner(crate::performance::FastHashMap<Box<str>, Name>);

impl NameInterner {
    pub fn name(&mut self, text: &str) -> Name {
        if let Some(name) = self.0.get(text) {
            return name.clone();
        }
        let name: Name = text.into();
        self.0.insert(text.into(), name.clone());
        name
    }
}

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

    /// The file stem of this scope's report: `statewide`, `office-<office>`,
    /// `unit-<office>-<unit>`, `worker-<id>`; each part as `file_stem` makes it, a function of
    /// the names alone.
    pub fn file_stem(&self) -> String {
        match self {
            Self::Statewide => "statewide".to_string(),
            Self::Office { office } => file_stem("office", office),
            Self::Unit { office, unit } => {
                let office_part = file_stem("", office);
                file_stem(&format!("unit{office_part}"), unit)
            }
            Self::Worker { worker, .. } => file_stem("worker", worker),
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

/// How a name from the data is written when no configured list says otherwise: surrounding
/// spaces trimmed, inner runs of spaces made one, and a name written all in capitals or all
/// in small letters capitalised word by word (`HARTFORD`, ` hartford ` and `Hartford` are one
/// office, `Hartford`); a name in mixed case (`New Haven, CT`) keeps its spelling. A function
/// of the name alone, so nothing about one office depends on another's rows.
pub fn canonical_name(text: &str) -> String {
    let spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let has_upper = spaced.chars().any(char::is_uppercase);
    let has_lower = spaced.chars().any(char::is_lowercase);
    if has_upper && has_lower {
        return spaced;
    }
    let mut name = String::with_capacity(spaced.len());
    let mut word_start = true;
    for character in spaced.chars() {
        if word_start {
            name.extend(character.to_uppercase());
        } else {
            name.extend(character.to_lowercase());
        }
        word_start = character == ' ';
    }
    name
}

/// Whether `canonical_name` leaves `text` as it is (checked without allocating, for the
/// common case: a trimmed, single-spaced name in mixed case).
pub fn is_canonical_name(text: &str) -> bool {
    let mut previous_was_space = true;
    for character in text.chars() {
        if character.is_whitespace() && (character != ' ' || previous_was_space) {
            return false;
        }
        previous_was_space = character.is_whitespace();
    }
    !text.ends_with(' ') && text.chars().any(char::is_uppercase) && text.chars().any(char::is_lowercase)
}

/// A file stem for a report of `name`, a function of the name alone: `<prefix>-new-haven` for a
/// plain name (capitalised words of letters and digits), else the slug cut to 40 characters and
/// a short hash of the name (`<prefix>-o-brien-3f2a9c`), so no two names share a stem and no
/// stem is too long for a file system.
pub fn file_stem(prefix: &str, name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let plain = !name.is_empty()
        && name.len() <= 40
        && name.split(' ').all(|word| {
            let mut characters = word.chars();
            characters.next().is_some_and(|first| first.is_ascii_uppercase())
                && characters.all(|character| character.is_ascii_lowercase() || character.is_ascii_digit())
        });
    if plain {
        return format!("{prefix}-{slug}");
    }
    let cut: String = slug.chars().take(40).collect();
    let cut = cut.trim_end_matches('-');
    let hash = &crate::digest::sha256_hex(name.as_bytes())[..6];
    if cut.is_empty() {
        format!("{prefix}-{hash}")
    } else {
        format!("{prefix}-{cut}-{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::{Level, Name, NameInterner, Scope, canonical_name, file_stem, is_canonical_name};
    use std::sync::Arc;

    #[test]
    fn an_interner_gives_one_shared_name_per_text() {
        let mut names = NameInterner::default();
        let texts = [
            "",
            "W1",
            "W1 ",
            "W0000003",
            "1234567890123456789012",
            "12345678901234567890123",
            "Hartford Ongoing Services Unit 3",
        ];
        let first: Vec<Name> = texts.iter().map(|text| names.name(text)).collect();
        for (text, name) in texts.iter().zip(&first) {
            assert_eq!(&**name, *text);
            assert!(Arc::ptr_eq(name, &names.name(text)), "{text:?} shared");
        }
        assert!(!Arc::ptr_eq(&first[1], &first[2]));
    }

    #[test]
    fn names_are_canonical_by_themselves_and_stems_are_safe_and_distinct() {
        for (written, canonical) in [
            ("HARTFORD", "Hartford"),
            ("hartford", "Hartford"),
            ("  new   haven ", "New Haven"),
            ("New Haven", "New Haven"),
            ("New Haven, CT", "New Haven, CT"),
            ("=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"),
            ("NEW HAVEN, CT", "New Haven, Ct"),
        ] {
            assert_eq!(canonical_name(written), canonical, "{written:?}");
            assert_eq!(is_canonical_name(written), written == canonical, "{written:?}");
        }
        assert_eq!(file_stem("office", "New Haven"), "office-new-haven");
        assert_eq!(file_stem("office", "Hartford"), "office-hartford");
        let odd = [
            "New-Haven",
            "<script>",
            "=HYPERLINK(\"x\")",
            "../etc",
            &"Long ".repeat(100),
        ];
        let stems: Vec<String> = odd.iter().map(|name| file_stem("office", name)).collect();
        for stem in &stems {
            assert!(stem.len() <= 60 && stem.starts_with("office-"), "{stem}");
            assert!(
                stem.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{stem}"
            );
            assert_ne!(stem, "office-new-haven");
        }
        let mut unique = stems.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), stems.len());
        let unit = Scope::Unit {
            office: "New Haven".into(),
            unit: "Ongoing A".into(),
        };
        assert_eq!(unit.file_stem(), "unit-new-haven-ongoing-a");
        assert_eq!(Scope::office("Hartford").file_stem(), "office-hartford");
        assert_eq!(Scope::Statewide.file_stem(), "statewide");
    }

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
