//! A short text carried by value: an id of up to `INLINE_BYTES` bytes (nearly every id)
//! needs no allocation of its own on its way from a validation worker to the thread that
//! keeps it, and hashes and compares without reading memory elsewhere.

/// The longest text carried inline.
const INLINE_BYTES: usize = 22;

/// A text, inline when it is short. Two values are equal exactly when their texts are (a text
/// is inline exactly when it fits), so it can key a map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InlineText {
    Inline { bytes: [u8; INLINE_BYTES], length: u8 },
    Long(Box<str>),
}

impl InlineText {
    pub fn new(text: &str) -> Self {
        if text.len() <= INLINE_BYTES {
            let mut bytes = [0; INLINE_BYTES];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Self::Inline {
                bytes,
                length: text.len() as u8,
            }
        } else {
            Self::Long(text.into())
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { bytes, length } => &bytes[..usize::from(*length)],
            Self::Long(text) => text.as_bytes(),
        }
    }

    /// The text (an inline one is the bytes of a `&str`, so always UTF-8).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::InlineText;

    #[test]
    fn texts_short_and_long_come_back_as_they_went_in_and_compare_by_text() {
        for text in ["", "W1", "é-0123456789012345678", "W-000000000000000000000000001"] {
            let carried = InlineText::new(text);
            assert_eq!(carried.as_str(), text);
            assert_eq!(carried, InlineText::new(text));
            assert_ne!(carried, InlineText::new(&format!("{text}x")));
        }
        assert!(matches!(
            InlineText::new("0123456789012345678901"),
            InlineText::Inline { .. }
        ));
        assert!(matches!(
            InlineText::new("01234567890123456789012"),
            InlineText::Long(_)
        ));
    }
}
