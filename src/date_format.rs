//! Strict date parsing in the formats the configuration allows. A value that does not match a
//! configured pattern exactly, names an impossible day, or reads differently under two
//! configured patterns is a bad value: dates are never guessed. And the one layout dates are
//! written in (`push_iso_date`).

use std::fmt;

use chrono::NaiveDate;

/// `YYYY-MM-DD`, strictly (configuration, flags and holiday files; no plausibility range).
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    DatePattern::parse("YYYY-MM-DD").ok()?.parse_date(text)
}

/// Appends `date` as `YYYY-MM-DD`, as chrono's `Display` writes it; laid out by hand for years
/// 0–9999 (the tables and mail write millions of dates a night).
pub fn push_iso_date(out: &mut String, date: NaiveDate) {
    use chrono::Datelike;
    use std::fmt::Write;
    let (year, month, day) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&year) {
        let _ = write!(out, "{date}");
        return;
    }
    let digit = |value: u32| char::from(b'0' + (value % 10) as u8);
    let year = year as u32;
    out.extend([digit(year / 1000), digit(year / 100), digit(year / 10), digit(year)]);
    out.extend(['-', digit(month / 10), digit(month), '-', digit(day / 10), digit(day)]);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Exactly four digits.
    Year,
    /// Exactly two digits (`MM`) or one or two (`M`).
    Month {
        padded: bool,
    },
    /// Exactly two digits (`DD`) or one or two (`D`).
    Day {
        padded: bool,
    },
    Separator(char),
}

/// One accepted date layout such as `YYYY-MM-DD` or `MM/DD/YYYY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatePattern {
    text: String,
    tokens: Vec<Token>,
    /// The first separator (`None` without one): a value's first byte that is not a digit
    /// must be this for the value to fit (every token before it is digits).
    first_separator: Option<u8>,
    /// Where each part is, for a pattern of fixed-width tokens only (`YYYY`, `MM`, `DD` and
    /// separators, as `YYYY-MM-DD` and `MM/DD/YYYY`).
    fixed: Option<FixedLayout>,
}

/// The byte offsets of a fixed-width pattern's parts: every value that fits it has `length`
/// bytes, its separators and digits at these places. Reading a date from the offsets, without
/// walking the tokens, is the same test (a test holds the two together) at a third of the
/// cost; every date of every extract goes through it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FixedLayout {
    length: usize,
    year: usize,
    month: usize,
    day: usize,
    separators: Vec<(usize, u8)>,
}

impl FixedLayout {
    /// The layout of `tokens`, when each has a fixed width.
    fn of(tokens: &[Token]) -> Option<Self> {
        let mut layout = Self {
            length: 0,
            year: 0,
            month: 0,
            day: 0,
            separators: Vec::new(),
        };
        for token in tokens {
            let at = layout.length;
            layout.length += match *token {
                Token::Year => {
                    layout.year = at;
                    4
                }
                Token::Month { padded: true } => {
                    layout.month = at;
                    2
                }
                Token::Day { padded: true } => {
                    layout.day = at;
                    2
                }
                Token::Separator(separator) => {
                    layout.separators.push((at, separator as u8));
                    1
                }
                Token::Month { padded: false } | Token::Day { padded: false } => return None,
            };
        }
        Some(layout)
    }

    fn parse_date(&self, bytes: &[u8]) -> Option<NaiveDate> {
        if bytes.len() != self.length || self.separators.iter().any(|&(at, separator)| bytes[at] != separator) {
            return None;
        }
        let number = |at: usize, width: usize| {
            bytes[at..at + width].iter().try_fold(0_u32, |number, &byte| {
                byte.is_ascii_digit().then(|| number * 10 + u32::from(byte - b'0'))
            })
        };
        calendar_date(
            number(self.year, 4)? as i32,
            number(self.month, 2)?,
            number(self.day, 2)?,
        )
    }
}

/// The years whose days `calendar_date` finds in a table: the default plausible range, which
/// holds nearly every date an extract has.
const TABLE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// `NaiveDate::from_ymd_opt`, from a table for the years of `TABLE_YEARS` (a tenth of its
/// cost; every date of every extract is read through here).
fn calendar_date(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    static DAYS: std::sync::LazyLock<Box<[Option<NaiveDate>]>> = std::sync::LazyLock::new(|| {
        TABLE_YEARS
            .flat_map(|year| (0..16).flat_map(move |month| (0..32).map(move |day| (year, month, day))))
            .map(|(year, month, day)| NaiveDate::from_ymd_opt(year, month, day))
            .collect()
    });
    if !TABLE_YEARS.contains(&year) || month >= 16 || day >= 32 {
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    let index = ((year - TABLE_YEARS.start()) as usize * 16 + month as usize) * 32 + day as usize;
    DAYS.get(index).copied().flatten()
}

impl fmt::Display for DatePattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl DatePattern {
    /// Parses a pattern made of `YYYY`, `MM`, `M`, `DD`, `D` and the separators `-`, `/`, `.`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut tokens = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (token, length) = if rest.starts_with("YYYY") {
                (Token::Year, 4)
            } else if rest.starts_with("MM") {
                (Token::Month { padded: true }, 2)
            } else if rest.starts_with('M') {
                (Token::Month { padded: false }, 1)
            } else if rest.starts_with("DD") {
                (Token::Day { padded: true }, 2)
            } else if rest.starts_with('D') {
                (Token::Day { padded: false }, 1)
            } else if let Some(separator @ ('-' | '/' | '.')) = rest.chars().next() {
                (Token::Separator(separator), 1)
            } else {
                return Err(format!(
                    "date format {text:?} is not made of YYYY, MM, M, DD, D and the separators - / ."
                ));
            };
            tokens.push(token);
            rest = &rest[length..];
        }
        let count = |wanted: fn(&Token) -> bool| tokens.iter().filter(|token| wanted(token)).count();
        if count(|t| matches!(t, Token::Year)) != 1
            || count(|t| matches!(t, Token::Month { .. })) != 1
            || count(|t| matches!(t, Token::Day { .. })) != 1
        {
            return Err(format!(
                "date format {text:?} must contain the year (YYYY), month (MM or M) and day (DD or D) once each"
            ));
        }
        let first_separator = tokens.iter().find_map(|token| match *token {
            Token::Separator(separator) => Some(separator as u8),
            _ => None,
        });
        Ok(Self {
            text: text.to_string(),
            fixed: FixedLayout::of(&tokens),
            tokens,
            first_separator,
        })
    }

    /// The date `value` names in this pattern, or `None` when it does not fit exactly.
    pub fn parse_date(&self, value: &str) -> Option<NaiveDate> {
        match &self.fixed {
            Some(layout) => layout.parse_date(value.as_bytes()),
            None => self.parse_by_tokens(value),
        }
    }

    /// `parse_date`, token by token.
    fn parse_by_tokens(&self, value: &str) -> Option<NaiveDate> {
        let bytes = value.as_bytes();
        let mut position = 0;
        let (mut year, mut month, mut day) = (0i32, 0u32, 0u32);
        for token in &self.tokens {
            match *token {
                Token::Separator(separator) => {
                    if bytes.get(position) != Some(&(separator as u8)) {
                        return None;
                    }
                    position += 1;
                }
                Token::Year => {
                    year = read_digits(bytes, &mut position, 4, 4)? as i32;
                }
                Token::Month { padded } => {
                    month = read_digits(bytes, &mut position, if padded { 2 } else { 1 }, 2)?;
                }
                Token::Day { padded } => {
                    day = read_digits(bytes, &mut position, if padded { 2 } else { 1 }, 2)?;
                }
            }
        }
        if position != bytes.len() {
            return None;
        }
        calendar_date(year, month, day)
    }
}

fn read_digits(bytes: &[u8], position: &mut usize, fewest: usize, most: usize) -> Option<u32> {
    let digits = bytes[*position..]
        .iter()
        .take(most)
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if digits < fewest {
        return None;
    }
    let mut number = 0u32;
    for byte in &bytes[*position..*position + digits] {
        number = number * 10 + u32::from(byte - b'0');
    }
    *position += digits;
    Some(number)
}

/// The configured list of accepted patterns, and the range of plausible dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormats {
    patterns: Vec<DatePattern>,
    earliest: NaiveDate,
    latest: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateParseError {
    NoPatternFits,
    Ambiguous(NaiveDate, NaiveDate),
    /// A real date, but outside the configured plausible range (`input.earliest_date` …
    /// `input.latest_date`).
    Implausible(NaiveDate),
}

impl DateFormats {
    /// Accepts dates from 1900-01-01 to 2100-12-31; see `with_range`.
    pub fn new(patterns: Vec<DatePattern>) -> Self {
        Self {
            patterns,
            earliest: NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN),
            latest: NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }

    pub fn with_range(mut self, earliest: NaiveDate, latest: NaiveDate) -> Self {
        self.earliest = earliest;
        self.latest = latest;
        self
    }

    pub fn earliest(&self) -> NaiveDate {
        self.earliest
    }

    pub fn latest(&self) -> NaiveDate {
        self.latest
    }

    /// Tries every pattern; a value that reads as two different dates is rejected.
    pub fn parse(&self, value: &str) -> Result<NaiveDate, DateParseError> {
        let mut found: Option<NaiveDate> = None;
        // Only patterns whose first separator is the value's first non-digit can fit it.
        let first_non_digit = value.bytes().find(|byte| !byte.is_ascii_digit());
        for pattern in &self.patterns {
            if pattern.first_separator != first_non_digit {
                continue;
            }
            if let Some(date) = pattern.parse_date(value) {
                match found {
                    Some(earlier) if earlier != date => {
                        return Err(DateParseError::Ambiguous(earlier, date));
                    }
                    _ => found = Some(date),
                }
            }
        }
        let date = found.ok_or(DateParseError::NoPatternFits)?;
        if date < self.earliest || date > self.latest {
            return Err(DateParseError::Implausible(date));
        }
        Ok(date)
    }

    /// "YYYY-MM-DD or MM/DD/YYYY", for messages.
    pub fn describe(&self) -> String {
        let names: Vec<String> = self.patterns.iter().map(ToString::to_string).collect();
        names.join(" or ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_laid_out_as_chrono_writes_them() {
        for (year, month, day) in [
            (2024, 2, 29),
            (1900, 1, 1),
            (2100, 12, 31),
            (0, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
            (5, 10, 9),
        ] {
            let date = NaiveDate::from_ymd_opt(year, month, day).expect("valid date");
            let mut written = "before ".to_string();
            push_iso_date(&mut written, date);
            assert_eq!(written, format!("before {date}"));
        }
    }

    #[test]
    fn the_table_of_days_agrees_with_chrono_inside_and_around_its_years() {
        for year in [1, 1899, 1900, 1901, 2000, 2023, 2024, 2100, 2101, 9999] {
            for month in 0..=20 {
                for day in 0..=40 {
                    assert_eq!(
                        calendar_date(year, month, day),
                        NaiveDate::from_ymd_opt(year, month, day),
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
    }

    fn formats(patterns: &[&str]) -> DateFormats {
        DateFormats::new(
            patterns
                .iter()
                .map(|text| DatePattern::parse(text).expect("valid pattern"))
                .collect(),
        )
    }

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn fixed_width_patterns_read_what_their_tokens_read() {
        let mut random = crate::generate::Random::from_seed(1002);
        let alphabet = b"0123456789012345678901234567890123456789-/. x";
        for text in ["YYYY-MM-DD", "MM/DD/YYYY", "DD.MM.YYYY", "YYYYMMDD", "YYYY/DD/MM-"] {
            let pattern = DatePattern::parse(text).expect("valid pattern");
            assert!(pattern.fixed.is_some(), "{text}");
            let mut values: Vec<String> = (0..20_000)
                .map(|_| {
                    let length = 6 + (random.next() % 7) as usize;
                    (0..length)
                        .map(|_| char::from(alphabet[(random.next() % alphabet.len() as u64) as usize]))
                        .collect()
                })
                .collect();
            // Real dates written in the pattern, and with a digit changed.
            for day in 0..3_000 {
                let date = d("1999-12-01") + chrono::Days::new(day * 7);
                let written = text
                    .replace("YYYY", &date.format("%Y").to_string())
                    .replace("MM", &date.format("%m").to_string())
                    .replace("DD", &date.format("%d").to_string());
                let mut changed = written.clone().into_bytes();
                let at = (random.next() % changed.len() as u64) as usize;
                changed[at] = b'0' + (random.next() % 10) as u8;
                values.push(written);
                values.push(String::from_utf8(changed).expect("ASCII"));
            }
            let mut fitting = 0;
            for value in &values {
                let expected = pattern.parse_by_tokens(value);
                fitting += usize::from(expected.is_some());
                assert_eq!(pattern.parse_date(value), expected, "{value:?} in {text}");
            }
            assert!(fitting > 3_000, "{text}: {fitting} values fit");
        }
        assert!(DatePattern::parse("M/D/YYYY").expect("valid").fixed.is_none());
        assert!(DatePattern::parse("YYYY-M-DD").expect("valid").fixed.is_none());
    }

    #[test]
    fn accepts_exact_iso_and_us_dates() {
        let accepted = formats(&["YYYY-MM-DD", "MM/DD/YYYY"]);
        assert_eq!(accepted.parse("2024-02-29"), Ok(d("2024-02-29")));
        assert_eq!(accepted.parse("02/29/2024"), Ok(d("2024-02-29")));
        assert_eq!(accepted.parse("12/31/1999"), Ok(d("1999-12-31")));
    }

    #[test]
    fn rejects_impossible_short_or_padded_wrong_dates() {
        let accepted = formats(&["YYYY-MM-DD", "MM/DD/YYYY"]);
        for bad in [
            "2025-02-30",
            "2023-02-29",
            "25-01-01",
            "01/05/25",
            "2025-1-5",
            "1/5/2025",
            "2025-01-05 ",
            "2025-01-05T00:00",
            "20250105",
            "",
            "2025/01/05",
            "13/01/2025",
            "2025-00-10",
            "+2025-01-05",
            "２０２５-01-05",
        ] {
            assert_eq!(accepted.parse(bad), Err(DateParseError::NoPatternFits), "{bad:?}");
        }
    }

    #[test]
    fn unpadded_patterns_take_one_or_two_digits() {
        let accepted = formats(&["M/D/YYYY"]);
        assert_eq!(accepted.parse("1/5/2025"), Ok(d("2025-01-05")));
        assert_eq!(accepted.parse("01/05/2025"), Ok(d("2025-01-05")));
        assert_eq!(accepted.parse("001/05/2025"), Err(DateParseError::NoPatternFits));
    }

    #[test]
    fn a_value_that_reads_two_ways_is_never_guessed() {
        let accepted = formats(&["MM/DD/YYYY", "DD/MM/YYYY"]);
        assert_eq!(
            accepted.parse("03/04/2025"),
            Err(DateParseError::Ambiguous(d("2025-03-04"), d("2025-04-03")))
        );
        assert_eq!(accepted.parse("04/04/2025"), Ok(d("2025-04-04")));
        assert_eq!(accepted.parse("25/04/2025"), Ok(d("2025-04-25")));
    }

    #[test]
    fn skipping_patterns_by_their_first_separator_changes_no_answer() {
        // Against trying every pattern, on random values over patterns with every separator,
        // none, and two that read the same text two ways.
        let patterns = [
            "YYYY-MM-DD",
            "MM/DD/YYYY",
            "DD/MM/YYYY",
            "YYYYMMDD",
            "D.M.YYYY",
            "YYYY.M.D",
            "DD-MM-YYYY",
        ];
        let accepted = formats(&patterns);
        let every_pattern = |value: &str| -> Result<NaiveDate, DateParseError> {
            let dates: Vec<NaiveDate> = accepted
                .patterns
                .iter()
                .filter_map(|pattern| pattern.parse_date(value))
                .collect();
            match dates.as_slice() {
                [] => Err(DateParseError::NoPatternFits),
                [first, rest @ ..] => match rest.iter().find(|date| *date != first) {
                    Some(second) => Err(DateParseError::Ambiguous(*first, *second)),
                    None if *first < accepted.earliest || *first > accepted.latest => {
                        Err(DateParseError::Implausible(*first))
                    }
                    None => Ok(*first),
                },
            }
        };
        let mut random = crate::generate::Random::from_seed(29);
        let mut dates_read = 0;
        for _ in 0..50_000 {
            // A real or impossible day written in one of the layouts, then often damaged: a
            // separator swapped, a digit dropped or doubled.
            let (year, month, day) = (
                1890 + random.next() % 220,
                1 + random.next() % 13,
                1 + random.next() % 31,
            );
            let mut value = match random.next() % 6 {
                0 => format!("{year:04}-{month:02}-{day:02}"),
                1 => format!("{month:02}/{day:02}/{year:04}"),
                2 => format!("{year:04}{month:02}{day:02}"),
                3 => format!("{day}.{month}.{year:04}"),
                4 => format!("{year:04}.{month}.{day}"),
                _ => format!("{day:02}-{month:02}-{year:04}"),
            }
            .into_bytes();
            let position = (random.next() as usize) % value.len();
            match random.next() % 4 {
                0 => value[position] = b"-/.7"[(random.next() % 4) as usize],
                1 => drop(value.remove(position)),
                2 => value.insert(position, value[position]),
                _ => {}
            }
            let value = String::from_utf8(value).expect("ASCII");
            let answer = accepted.parse(&value);
            assert_eq!(answer, every_pattern(&value), "{value:?}");
            dates_read += usize::from(answer.is_ok());
        }
        for value in [
            "2024-02-29",
            "02/29/2024",
            "29/02/2024",
            "20240229",
            "29.2.2024",
            "2024.2.29",
            "29-02-2024",
            "03/04/2025",
        ] {
            assert_eq!(accepted.parse(value), every_pattern(value), "{value:?}");
        }
        assert!(dates_read > 10_000, "{dates_read}");
    }

    #[test]
    fn real_dates_outside_the_plausible_range_are_refused() {
        let accepted = formats(&["YYYY-MM-DD"]);
        assert_eq!(
            accepted.parse("1899-12-31"),
            Err(DateParseError::Implausible(d("1899-12-31")))
        );
        assert_eq!(accepted.parse("1900-01-01"), Ok(d("1900-01-01")));
        assert_eq!(accepted.parse("2100-12-31"), Ok(d("2100-12-31")));
        assert_eq!(
            accepted.parse("9999-12-31"),
            Err(DateParseError::Implausible(d("9999-12-31")))
        );
        assert_eq!(
            accepted.parse("0000-01-01"),
            Err(DateParseError::Implausible(d("0000-01-01")))
        );
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(DatePattern::parse("YYYY-MM").is_err());
        assert!(DatePattern::parse("%Y-%m-%d").is_err());
        assert!(DatePattern::parse("YY-MM-DD").is_err());
    }
}
