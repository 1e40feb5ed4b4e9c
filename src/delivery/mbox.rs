//! Workers' messages in the outbox: one mailbox file (`outbox/workers.mbox`, the mboxrd
//! format) rather than a file each. At national scale there are 20,000 of them a night; as
//! files they cost seconds of file-system time and 7 million files a year of kept runs, and
//! one mailbox opens in any mail reader (`mutt -f`, Thunderbird, Python's `mailbox`).
//!
//! mboxrd: each message starts with a `From <sender> <date>` line; a line of the message that
//! begins with `From ` after any number of `>` gets one more `>` (a reader removes it); line
//! ends are LF; a blank line follows each message.

use chrono::NaiveDate;

/// The sender on each message's `From ` line when the message has no envelope sender.
const UNKNOWN_SENDER: &str = "MAILER-DAEMON";

/// Appends one formatted message (CRLF line ends, as sent) to `mailbox`.
pub fn append(mailbox: &mut Vec<u8>, sender: Option<&str>, as_of: NaiveDate, message: &[u8]) {
    let sent = chrono::DateTime::<chrono::Utc>::from(super::messages::morning_after(as_of));
    let date = sent.format("%a %b %e %H:%M:%S %Y");
    mailbox.extend_from_slice(format!("From {} {date}\n", sender.unwrap_or(UNKNOWN_SENDER)).as_bytes());
    let message = message.strip_suffix(b"\r\n").unwrap_or(message);
    mailbox.reserve(message.len() + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', message).chain([message.len()]) {
        let line = &message[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line
            .iter()
            .position(|&byte| byte != b'>')
            .is_some_and(|start| line[start..].starts_with(b"From "))
        {
            mailbox.push(b'>');
        }
        mailbox.extend_from_slice(line);
        mailbox.push(b'\n');
    }
    mailbox.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::append;

    fn day() -> chrono::NaiveDate {
        crate::date_format::parse_iso_date("2026-10-31").expect("date")
    }

    #[test]
    fn each_message_starts_with_a_from_line_and_ends_with_a_blank_line() {
        let mut mailbox = Vec::new();
        append(
            &mut mailbox,
            Some("reports@agency.example"),
            day(),
            b"Subject: a\r\n\r\nbody\r\n",
        );
        append(&mut mailbox, None, day(), b"Subject: b\r\n\r\nsecond");
        assert_eq!(
            String::from_utf8(mailbox).expect("text"),
            "From reports@agency.example Sun Nov  1 06:00:00 2026\nSubject: a\n\nbody\n\n\
             From MAILER-DAEMON Sun Nov  1 06:00:00 2026\nSubject: b\n\nsecond\n\n"
        );
    }

    #[test]
    fn lines_that_would_read_as_a_from_line_are_quoted_with_one_more_marker() {
        let mut mailbox = Vec::new();
        append(
            &mut mailbox,
            None,
            day(),
            b"\r\nFrom here\r\n>From there\r\n>>From x\r\nFrom\r\n From y\r\n",
        );
        let text = String::from_utf8(mailbox).expect("text");
        let body: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(
            body,
            ["", ">From here", ">>From there", ">>>From x", "From", " From y", ""]
        );
    }
}
