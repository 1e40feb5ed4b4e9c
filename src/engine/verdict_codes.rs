//! Each episode's headline verdict in one measure, one byte each (a million episodes × eight
//! measures would take hundreds of megabytes as full `Verdict`s), for `episodes.csv`.

use crate::measures::Verdict;

#[derive(Debug, Clone, Default)]
pub struct VerdictCodes {
    /// 0 = numerator, 1 = denominator only, 2 + i = excluded by `rules[i]`.
    codes: Vec<u8>,
    rules: Vec<&'static str>,
}

impl VerdictCodes {
    pub fn with_capacity(episodes: usize) -> Self {
        Self {
            codes: Vec::with_capacity(episodes),
            rules: Vec::new(),
        }
    }

    pub fn push(&mut self, verdict: &Verdict) {
        let code = match verdict {
            Verdict::Counted { in_numerator: true, .. } => 0,
            Verdict::Counted { .. } => 1,
            Verdict::Excluded(exclusion) => {
                // Rules are literals: the same rule is almost always the same pointer.
                let index = match (self.rules.iter().position(|rule| std::ptr::eq(*rule, exclusion.rule)))
                    .or_else(|| self.rules.iter().position(|rule| *rule == exclusion.rule))
                {
                    Some(index) => index,
                    None => {
                        self.rules.push(exclusion.rule);
                        self.rules.len() - 1
                    }
                };
                // A measure has a handful of rules; 254 would be a programming error.
                2 + u8::try_from(index).unwrap_or(u8::MAX - 2)
            }
        };
        self.codes.push(code);
    }

    /// Puts `other`'s codes (of the episodes after these) after these.
    pub fn append(&mut self, other: &Self) {
        let rule_codes: Vec<u8> = (other.rules.iter())
            .map(|&rule| {
                let index = match self.rules.iter().position(|known| *known == rule) {
                    Some(index) => index,
                    None => {
                        self.rules.push(rule);
                        self.rules.len() - 1
                    }
                };
                2 + u8::try_from(index).unwrap_or(u8::MAX - 2)
            })
            .collect();
        self.codes.extend(other.codes.iter().map(|&code| match code {
            0 | 1 => code,
            code => rule_codes.get(usize::from(code - 2)).copied().unwrap_or(code),
        }));
    }

    /// `numerator`, `denominator` or `excluded:<rule>`: the text of `code`.
    fn code_text(&self, code: u8) -> String {
        match code {
            0 => "numerator".to_string(),
            1 => "denominator".to_string(),
            code => format!(
                "excluded:{}",
                self.rules.get(usize::from(code - 2)).copied().unwrap_or("unknown")
            ),
        }
    }

    /// Every episode's code, and the text of each code (`texts[code]`): for writing a million
    /// rows without building a string per cell.
    pub fn codes_and_texts(&self) -> (&[u8], Vec<String>) {
        let texts = (0..2 + self.rules.len())
            .map(|code| self.code_text(u8::try_from(code).unwrap_or(u8::MAX)))
            .collect();
        (&self.codes, texts)
    }
}

#[cfg(test)]
mod tests {
    use super::VerdictCodes;
    use crate::measures::{Evidence, Verdict, excluded};

    #[test]
    fn appended_codes_keep_their_rules() {
        let mut first = VerdictCodes::default();
        first.push(&excluded("outside", ""));
        first.push(&Verdict::counted(true, Evidence::default()));
        let mut second = VerdictCodes::default();
        second.push(&excluded("short_stay", ""));
        second.push(&excluded("outside", ""));
        second.push(&Verdict::counted(false, Evidence::default()));
        first.append(&second);
        let (codes, texts) = first.codes_and_texts();
        let words: Vec<&str> = codes.iter().map(|&code| texts[usize::from(code)].as_str()).collect();
        assert_eq!(
            words,
            [
                "excluded:outside",
                "numerator",
                "excluded:short_stay",
                "excluded:outside",
                "denominator"
            ]
        );
    }
}
