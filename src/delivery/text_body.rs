//! A text part's body, encoded exactly as lettre's `Body::new` encodes a `String`, in two linear
//! passes. lettre puts CRLF line ends in by inserting a CR before each LF, moving the rest of
//! the text each time, and then quoted-printable encodes the result; at national scale that is
//! 40,000 parts a night (each worker's list as text and as HTML) and was most of the cost of
//! building their messages. The same bytes, the same transfer encoding: a test holds this to
//! lettre on generated texts and on real worker lists.

use lettre::message::Body;
use lettre::message::header::ContentTransferEncoding;

/// The longest encoded line of quoted-printable, without its CRLF (RFC 2045).
const LINE_LIMIT: usize = 76;

/// `text` as the body of a text part: 7bit when it is ASCII with short lines, else
/// quoted-printable (or, for text that is mostly not printable ASCII, lettre's base64).
pub fn text_body(text: String) -> Body {
    let bytes = text.as_bytes();
    if bytes.is_ascii()
        && let Some(seven_bit) = with_crlf_unless_a_line_is_long(bytes)
    {
        return Body::dangerous_pre_encoded(seven_bit, ContentTransferEncoding::SevenBit);
    }
    if !quoted_printable_is_efficient(bytes) {
        return Body::new(text);
    }
    Body::dangerous_pre_encoded(
        quoted_printable(&with_crlf(bytes)),
        ContentTransferEncoding::QuotedPrintable,
    )
}

/// `with_crlf(bytes)`, or `None` when a line is too long for 7bit, as lettre's chooser
/// (email-encoding) counts: from one LF to the next, the LF included, 76 or more; the first
/// line from the start. One pass for both (20,000 workers' lists a night, each twice).
fn with_crlf_unless_a_line_is_long(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32 + 2);
    let mut start = 0;
    let mut last = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        if end - last >= LINE_LIMIT {
            return None;
        }
        last = end;
        push_line_with_crlf(&mut out, bytes, start, end);
        start = end + 1;
    }
    if bytes.len() - last >= LINE_LIMIT {
        return None;
    }
    out.extend_from_slice(&bytes[start..]);
    Some(out)
}

/// Whether at most a third of the bytes need escaping (lettre's choice of quoted-printable
/// over base64; line ends count as needing it).
fn quoted_printable_is_efficient(bytes: &[u8]) -> bool {
    let escaped = bytes
        .iter()
        .filter(|&&byte| !matches!(byte, b'\t' | b' '..=b'~'))
        .count();
    escaped <= bytes.len() / 3
}

/// `bytes` with a CR before every LF that has none.
fn with_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32 + 2);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        push_line_with_crlf(&mut out, bytes, start, end);
        start = end + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out
}

/// Appends the line `bytes[start..end]` and its line end (`bytes[end]` is an LF) as CRLF: a CR
/// is added unless the line already ends with one.
fn push_line_with_crlf(out: &mut Vec<u8>, bytes: &[u8], start: usize, end: usize) {
    out.extend_from_slice(&bytes[start..end]);
    if end == 0 || bytes[end - 1] != b'\r' {
        out.push(b'\r');
    }
    out.push(b'\n');
}

/// Whether quoted-printable writes `byte` as `=XX`.
fn needs_escaping(byte: u8) -> bool {
    ESCAPED[usize::from(byte)]
}

/// `needs_escaping` by byte: all but tab and printable ASCII other than `=`.
static ESCAPED: [bool; 256] = {
    let mut escaped = [true; 256];
    let mut byte = 0;
    while byte < 256 {
        escaped[byte] = !matches!(byte as u8, b'\t' | b' '..=b'<' | b'>'..=b'~');
        byte += 1;
    }
    escaped
};

/// Quoted-printable of text with CRLF line ends, byte for byte as the `quoted_printable`
/// crate's `encode` (text mode, lines of at most 76) writes it: runs of plain bytes copied
/// whole, a soft line break (`=` CRLF) before an item that would pass the limit, and a space
/// or tab before a line end escaped.
fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut writer = QuotedPrintableWriter {
        out: Vec::with_capacity(input.len() + input.len() / 4),
        on_line: 0,
        backup: 0,
    };
    let mut after_cr = false;
    let mut index = 0;
    while index < input.len() {
        let byte = input[index];
        index += 1;
        if after_cr {
            after_cr = false;
            if byte == b'\n' {
                writer.escape_trailing_space();
                writer.out.extend_from_slice(b"\r\n");
                writer.on_line = 0;
                continue;
            }
            writer.append(b"=0D");
        }
        if byte == b'\r' {
            after_cr = true;
            continue;
        }
        if LINE_LIMIT - writer.on_line >= 3 && !needs_escaping(byte) {
            let start = index - 1;
            let end = input.len().min(start + LINE_LIMIT - writer.on_line - 2);
            let run = input[start..end]
                .iter()
                .position(|&byte| needs_escaping(byte))
                .unwrap_or(end - start);
            index = start + run;
            writer.out.extend_from_slice(&input[start..index]);
            writer.on_line += run;
            writer.backup = writer.out.len();
            continue;
        }
        writer.append_byte(byte);
    }
    if after_cr {
        writer.append(b"=0D");
    } else {
        writer.escape_trailing_space();
    }
    writer.out
}

/// The encoder's output and where it is on the current line.
struct QuotedPrintableWriter {
    out: Vec<u8>,
    /// Bytes on the current encoded line.
    on_line: usize,
    /// Where the last item appended starts: a soft line break goes there when the line is full.
    backup: usize,
}

impl QuotedPrintableWriter {
    fn append_byte(&mut self, byte: u8) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        if needs_escaping(byte) {
            self.append(&[b'=', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0x0F)]]);
        } else {
            self.append(&[byte]);
        }
    }

    fn append(&mut self, item: &[u8]) {
        if self.on_line + item.len() > LINE_LIMIT {
            if self.on_line == LINE_LIMIT {
                self.on_line = self.out.len() - self.backup;
                self.out.splice(self.backup..self.backup, *b"=\r\n");
            } else {
                self.out.extend_from_slice(b"=\r\n");
                self.on_line = 0;
            }
        }
        self.out.extend_from_slice(item);
        self.on_line += item.len();
        self.backup = self.out.len() - item.len();
    }

    /// A space or tab may not end an encoded line: it is written `=20` or `=09` instead.
    fn escape_trailing_space(&mut self) {
        let escaped: &[u8] = match self.out.last() {
            Some(b' ') => b"=20",
            Some(b'\t') => b"=09",
            _ => return,
        };
        self.on_line -= 1;
        self.out.pop();
        self.append(escaped);
    }
}

#[cfg(test)]
mod tests {
    use super::text_body;
    use lettre::message::Body;

    /// The same transfer encoding and bytes as lettre's `Body::new`.
    fn check(text: &str) {
        let ours = text_body(text.to_string());
        let lettre = Body::new(text.to_string());
        assert_eq!(ours.encoding(), lettre.encoding(), "{text:?}");
        assert_eq!(
            String::from_utf8_lossy(ours.as_ref()),
            String::from_utf8_lossy(lettre.as_ref()),
            "{text:?}"
        );
    }

    #[test]
    fn chosen_texts_encode_as_lettre_encodes_them() {
        for text in [
            "",
            "a",
            "short ASCII\nlines\n",
            "\n\nleading line ends\r\nand a CRLF\rand a lone CR\r",
            "a space at a line end \nand a tab\t\nand at the end ",
            "= signs == everywhere =\n",
            "Caf\u{e9} \u{2014} \u{b7} non-ASCII",
            &"x".repeat(75),
            &"x".repeat(76),
            &format!("{}\n{}", "y".repeat(74), "z".repeat(75)),
            &format!("{} {}", "w".repeat(74), "tail"),
            &format!("{}=\u{e9}\u{e9}\u{e9}", "v".repeat(73)),
            &"\u{2014}".repeat(40),
            &"\u{7}\u{1}\u{2}".repeat(30),
        ] {
            check(text);
        }
    }

    #[test]
    fn generated_texts_encode_as_lettre_encodes_them() {
        let mut random = crate::generate::Random::from_seed(76);
        let pieces = [
            "a",
            "bc",
            " ",
            "\t",
            "=",
            "\n",
            "\r",
            "\r\n",
            "\u{e9}",
            "\u{2014}",
            "<td style=\"x\">",
            "\u{1}",
        ];
        for _ in 0..3000 {
            let length = (random.next() % 400) as usize;
            let mut text = String::new();
            while text.len() < length {
                let piece = pieces[(random.next() % pieces.len() as u64) as usize];
                let repeat = 1 + (random.next() % 90) as usize * usize::from(random.next().is_multiple_of(4));
                text.push_str(&piece.repeat(repeat));
            }
            check(&text);
        }
    }
}
