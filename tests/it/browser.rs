//! Pages and mail as a manager sees them: rendered by Debian's chromium (headless) at a phone's
//! width (375 px) and a desktop's (1,200 px). A small script, added to a copy of the page, measures
//! in the real layout whether anything scrolls sideways and whether every headline number is
//! on screen; `--dump-dom` hands its findings back.
//!
//! `scripts/test` installs chromium when it is missing; without it these tests fail, never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use mail_parser::MessageParser;

use crate::support::{repository_root, run_binary, stderr_of};

/// What the measuring script found at one width.
#[derive(Debug)]
struct Layout {
    inner_width: u64,
    scroll_width: u64,
    /// Headline numbers laid out (not hidden) and wholly inside the window.
    headlines_visible: u64,
    /// Headline numbers laid out but cut off at the window's edge.
    headlines_cut_off: u64,
}

const MEASURING_SCRIPT: &str = r#"<script>
window.addEventListener('load', function () {
  var visible = 0, cut = 0;
  document.querySelectorAll('[data-check=headline]').forEach(function (element) {
    var box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) { return; }
    if (box.left >= 0 && box.right <= window.innerWidth) { visible++; } else { cut++; }
  });
  var out = document.createElement('pre');
  out.id = 'layout';
  out.textContent = [window.innerWidth, document.documentElement.scrollWidth, visible, cut].join(' ');
  window.parent.document.body.appendChild(out);
});
</script>"#;

/// Renders `html` in headless chromium `width` px wide and measures it.
fn layout_at(html: &str, width: u32) -> Layout {
    let directory = tempfile::tempdir().expect("temp dir");
    let page = directory.path().join("page.html");
    let measured = match html.rfind("</body>") {
        Some(end) => format!("{}{MEASURING_SCRIPT}{}", &html[..end], &html[end..]),
        None => format!("{html}{MEASURING_SCRIPT}"),
    };
    // Headless chromium lays a window out at least 500 px wide, so the page goes in a frame of
    // the width wanted (its media queries see the frame's width); `srcdoc` keeps the frame in
    // the page's origin, so the script can hand its findings to the top document.
    let escaped = measured.replace('&', "&amp;").replace('"', "&quot;");
    let framed = format!(
        "<!DOCTYPE html><html><body style=\"margin:0\"><iframe style=\"border:0;display:block\" \
         width=\"{width}\" height=\"900\" srcdoc=\"{escaped}\"></iframe></body></html>"
    );
    std::fs::write(&page, framed).expect("write page");
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", directory.path().join("profile").display()),
            "--window-size=1300,900",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (scripts/test installs it)");
    let dom = String::from_utf8_lossy(&output.stdout);
    let findings = dom
        .split("<pre id=\"layout\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| {
            panic!(
                "no measurement in chromium's DOM: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let numbers: Vec<u64> = findings
        .split(' ')
        .map(|number| number.parse().expect("a number"))
        .collect();
    Layout {
        inner_width: numbers[0],
        scroll_width: numbers[1],
        headlines_visible: numbers[2],
        headlines_cut_off: numbers[3],
    }
}

/// The sample night (as of the 20th: the month in progress is in the trend) with mail to the
/// outbox; returns the temporary directory and the run's directory.
fn sample_night() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("temp dir");
    let output = run_binary(
        &repository_root(),
        &[
            "run",
            "--as-of",
            "2026-10-20",
            "--out",
            out.path().to_str().expect("utf-8"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let run = out.path().join("2026-10-20");
    (out, run)
}

/// The HTML part of a message in the outbox.
fn html_part_of(message: &Path) -> String {
    let bytes = std::fs::read(message).unwrap_or_else(|error| panic!("{}: {error}", message.display()));
    let parsed = MessageParser::default().parse(&bytes).expect("MIME");
    parsed.body_html(0).expect("an HTML part").into_owned()
}

/// How many headline numbers one layout of `html` shows: the attention line's two (overdue, due
/// soon), shown at every width, and each measure's rate, once in the cards and once in the table.
fn headline_count(html: &str) -> u64 {
    let marked = html.matches("data-check=\"headline\"").count() as u64;
    2 + (marked - 2) / 2
}

fn assert_reads_at_phone_and_desktop_width(name: &str, html: &str) {
    let expected = headline_count(html);
    assert!(expected >= 10, "{name}: every measure has a headline ({expected})");
    for width in [375, 1200] {
        let layout = layout_at(html, width);
        assert_eq!(u64::from(width), layout.inner_width, "{name}");
        assert!(
            layout.scroll_width <= layout.inner_width,
            "{name} at {width} px scrolls sideways: {layout:?}"
        );
        assert_eq!(layout.headlines_cut_off, 0, "{name} at {width} px: {layout:?}");
        assert_eq!(
            layout.headlines_visible, expected,
            "{name} at {width} px: one layout's headline numbers, all on screen: {layout:?}"
        );
    }
}

#[test]
fn pages_and_mail_read_at_phone_and_desktop_width_in_chromium() {
    let (_out, run) = sample_night();
    for page in ["statewide.html", "office-hartford.html"] {
        let html = std::fs::read_to_string(run.join(page)).expect("page");
        assert_reads_at_phone_and_desktop_width(page, &html);
    }
    let unit_page = std::fs::read_dir(&run)
        .expect("run directory")
        .map(|entry| entry.expect("entry").path())
        .find(|path| {
            path.file_name().is_some_and(|name| {
                name.to_string_lossy().starts_with("unit-") && name.to_string_lossy().ends_with(".html")
            })
        })
        .expect("a unit page");
    let html = std::fs::read_to_string(&unit_page).expect("unit page");
    assert_reads_at_phone_and_desktop_width("a unit page", &html);
    let mail = html_part_of(&run.join("outbox/office-hartford--hartford.manager_agency.example.eml"));
    assert_reads_at_phone_and_desktop_width("Hartford's email", &mail);
}

/// The measurement itself: a page laid out at 760 px (the first version's email) scrolls at a
/// phone's width and its right-hand number is cut off.
#[test]
fn the_measurement_catches_a_fixed_width_page() {
    let html = "<html><body><table width=\"760\"><tr><td width=\"700\">Reunification within 12 months</td>\
                <td><b data-check=\"headline\">71.8%</b></td></tr></table></body></html>";
    let phone = layout_at(html, 375);
    assert!(phone.scroll_width > 700, "{phone:?}");
    assert_eq!((phone.headlines_visible, phone.headlines_cut_off), (0, 1), "{phone:?}");
    let desktop = layout_at(html, 1200);
    assert_eq!(
        (desktop.headlines_visible, desktop.headlines_cut_off),
        (1, 0),
        "{desktop:?}"
    );
}

/// A worker's own message (the first in the workers' mailbox), 7-bit lines and all, fits a
/// phone's width without scrolling sideways.
#[test]
fn a_workers_message_reads_at_phone_width_in_chromium() {
    let (_out, run) = sample_night();
    let mailbox = std::fs::read(run.join("outbox/workers.mbox")).expect("workers' mailbox");
    // mboxrd: each message follows a `From ` line; the first ends where the second's begins.
    let first_message_start = mailbox.iter().position(|&byte| byte == b'\n').expect("a From line") + 1;
    let first_message = &mailbox[first_message_start..];
    let first_message_end = first_message
        .windows(6)
        .position(|window| window == b"\nFrom ")
        .map_or(first_message.len(), |position| position + 1);
    let parsed = MessageParser::default()
        .parse(&first_message[..first_message_end])
        .expect("MIME");
    let html = parsed.body_html(0).expect("an HTML part").into_owned();
    assert!(html.contains("<strong>Child "), "{html}");
    for width in [375, 1200] {
        let layout = layout_at(&html, width);
        assert_eq!(u64::from(width), layout.inner_width);
        assert!(
            layout.scroll_width <= layout.inner_width,
            "a worker's message at {width} px scrolls sideways: {layout:?}"
        );
    }
}
