//! Line diffs for failure messages, readable without colour.
//!
//! [`render_diff`] compares bytes line by line and prints line numbers, a
//! caret row under the characters that changed, and visible `·`, `→`, `␍`,
//! `␊` where whitespace matters, so a CI log that strips ANSI colour still
//! shows the difference. [`split_authorization`] and [`split_url`] put one
//! component per line first, so only the part that differs is marked.
//!
//! A canonical request whose `host` value gained a trailing space and whose
//! final newline is missing (the test `module_doc_example_is_current` keeps
//! this text in step with the code):
//!
//! ```text
//! --- expected
//! +++ actual
//! @@ -2,7 +2,7 @@
//! 2 2   │ /
//! 3 3   │
//! 4   - │ host:example.amazonaws.com␊
//!   4 + │ host:example.amazonaws.com·␊
//!       │                           ^
//! 5 5   │ x-amz-date:20150830T123600Z
//! 6 6   │
//! 7 7   │ host;x-amz-date
//! 8   - │ e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855␊
//!   8 + │ e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
//!       │                                                                 ^
//!       │ \ no newline at end of file
//! note: the texts differ only in whitespace
//! ```
//!
//! The whitespace note is a hint only: a verdict never ignores whitespace.

use std::ops::Range;

use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp};

/// Unchanged lines shown around each change.
const CONTEXT_LINES: usize = 2;
/// Content lines (context, `-`, `+`) printed before the rest is summarised.
const MAX_PRINTED_LINES: usize = 200;
/// Characters of one line shown; a longer line is cut with `…`.
const MAX_LINE_CELLS: usize = 400;
/// Unchanged characters kept before the first change when a long line is cut.
const LEAD_CELLS: usize = 40;

const WHITESPACE_NOTE: &str = "note: the texts differ only in whitespace";
const FINAL_NEWLINE_NOTE: &str = "note: the texts differ only in a final newline";
const NO_NEWLINE_NOTE: &str = "\\ no newline at end of file";

/// Renders a line diff of `expected` against `actual` for a failure message.
///
/// Returns an empty string when the inputs are identical. Otherwise the text
/// starts with `--- expected` / `+++ actual`, then hunks with two lines of
/// context whose lines carry their old and new line numbers. Changed lines
/// show whitespace and control characters with [`render_invisible`]; a `-`
/// line paired with its `+` line gets a caret row marking the characters that
/// changed (a lone caret marks where characters were removed). At most 200
/// content lines are printed, and lines longer than 400 characters are cut
/// around their first change. The diff never ignores whitespace; a note says
/// when whitespace or a final newline is the only difference.
pub fn render_diff(expected: &[u8], actual: &[u8]) -> String {
    if expected == actual {
        return String::new();
    }
    let old: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let new: Vec<&[u8]> = actual.split_inclusive(|&b| b == b'\n').collect();
    let ops = capture_diff_slices(Algorithm::Histogram, &old, &new);
    let groups = group_diff_ops(ops, CONTEXT_LINES);
    let mut renderer = Renderer::new(&old, &new);
    renderer.hunks(&groups);
    if let Some(note) = hint(expected, actual) {
        renderer.out.push_str(note);
        renderer.out.push('\n');
    }
    renderer.out
}

/// Splits an Authorization header value into one component per line before diffing.
///
/// The algorithm goes on the first line, then each component on its own line:
/// `AWS4-HMAC-SHA256`, ` Credential=…,`, ` SignedHeaders=…,`, ` Signature=…`.
/// Nothing is dropped: each line keeps the separator bytes around it (the
/// space that follows the algorithm or a comma starts the next line, the comma
/// ends its line), so joining the lines gives back `value` and a signer that
/// writes `,` where `, ` is expected still shows up in the diff.
pub fn split_authorization(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let rest = match value.find(' ').map(|space| value.split_at(space)) {
        Some((algorithm, rest)) if !algorithm.is_empty() && !algorithm.contains(',') => {
            out.push_str(algorithm);
            out.push('\n');
            rest
        }
        _ => value,
    };
    for part in rest.split_inclusive(',') {
        out.push_str(part);
        out.push('\n');
    }
    out
}

/// Splits a URL into scheme+host+path on the first line, then one query parameter per line.
///
/// Parameters stay in the order given, each prefixed with the `?` or `&` that
/// introduced it, so joining the lines gives back `url` (an empty parameter
/// from `&&` stays visible as a line holding only `&`).
pub fn split_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + 8);
    let Some((base, query)) = url.split_once('?') else {
        out.push_str(url);
        out.push('\n');
        return out;
    };
    out.push_str(base);
    out.push('\n');
    for (i, param) in query.split('&').enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(param);
        out.push('\n');
    }
    out
}

/// Makes invisible characters visible.
///
/// Space -> `·`, tab -> `→`, CR -> `␍`, LF at the end of the line -> `␊`,
/// other C0 controls and DEL -> `<0x1B>`, each byte that is not valid UTF-8
/// -> `<0xFF>`. Valid non-ASCII UTF-8 is shown as is, except characters that
/// would be invisible or ambiguous in the result: C1 controls, no-break and
/// zero-width spaces, BOM, line and paragraph separators, and the marker
/// characters `·→␍␊…` themselves, which become `<U+00A0>`-style escapes.
pub fn render_invisible(line: &[u8]) -> String {
    let cells = cells(line);
    render_cells(&cells, 0..cells.len(), Style::Visible).text
}

/// One displayed unit of a line: a character, or a byte that is not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Cell {
    Char(char),
    Byte(u8),
}

/// How much of a line is made visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// Changed lines: all whitespace and the line terminator are visible.
    Visible,
    /// Context lines: plain text; CR, controls, invalid bytes and trailing
    /// whitespace (which would otherwise vanish from the log) stay visible.
    Plain,
}

/// A rendered part of a line and the column where each of its cells starts.
struct Rendered {
    text: String,
    /// `cols[i]` is the start column of cell `i` of the window; the last entry is the end.
    cols: Vec<usize>,
}

fn cells(line: &[u8]) -> Vec<Cell> {
    let mut cells = Vec::with_capacity(line.len());
    for chunk in line.utf8_chunks() {
        cells.extend(chunk.valid().chars().map(Cell::Char));
        cells.extend(chunk.invalid().iter().copied().map(Cell::Byte));
    }
    cells
}

/// Renders `cells[window]`, with `…` where the window cuts the line.
fn render_cells(cells: &[Cell], window: Range<usize>, style: Style) -> Rendered {
    let trailing_from = match style {
        Style::Visible => 0,
        Style::Plain => trailing_whitespace_start(cells),
    };
    let mut text = String::new();
    let mut col = 0;
    if window.start > 0 {
        text.push('…');
        col += 1;
    }
    let shown = cells.get(window.clone()).unwrap_or_default();
    let mut cols = Vec::with_capacity(shown.len() + 1);
    for (index, &cell) in (window.start..).zip(shown) {
        cols.push(col);
        let show_whitespace = style == Style::Visible || index >= trailing_from;
        let final_lf = index + 1 == cells.len() && cell == Cell::Char('\n');
        if final_lf && style == Style::Plain {
            continue;
        }
        col += push_cell(&mut text, cell, show_whitespace, final_lf);
    }
    cols.push(col);
    if window.end < cells.len() {
        text.push('…');
    }
    Rendered { text, cols }
}

/// Index of the first space or tab of the run that ends the line (before its LF).
fn trailing_whitespace_start(cells: &[Cell]) -> usize {
    cells
        .iter()
        .rposition(|c| !matches!(c, Cell::Char(' ' | '\t' | '\n')))
        .map_or(0, |i| i + 1)
}

/// Writes one cell and returns its width in columns; `final_lf` is the LF
/// that ends the line, the only one shown as `␊`.
fn push_cell(out: &mut String, cell: Cell, show_whitespace: bool, final_lf: bool) -> usize {
    let c = match cell {
        Cell::Byte(b) => return push_escape(out, &format!("<0x{b:02X}>")),
        Cell::Char(c) => c,
    };
    let shown = match c {
        ' ' | '\t' if !show_whitespace => c,
        ' ' => '·',
        '\t' => '→',
        '\n' if final_lf => '␊',
        '\r' => '␍',
        '\0'..='\x1f' | '\x7f' => return push_escape(out, &format!("<0x{:02X}>", u32::from(c))),
        c if needs_codepoint_escape(c) => {
            return push_escape(out, &format!("<U+{:04X}>", u32::from(c)))
        }
        c => {
            out.push(c);
            return char_width(c);
        }
    };
    out.push(shown);
    1
}

fn push_escape(out: &mut String, escape: &str) -> usize {
    out.push_str(escape);
    escape.len()
}

/// Characters that would be invisible, or mistaken for a marker, if shown as is.
fn needs_codepoint_escape(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{a0}'
            | '\u{ad}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'
            | '\u{feff}'
            | '·'
            | '→'
            | '␍'
            | '␊'
            | '…'
    )
}

/// Terminal columns taken by `c`: an approximation of East Asian width good
/// enough to keep carets under the right character.
fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Caret row under `new`: carets under inserted or replaced cells, and one
/// caret where cells of `old` were removed without replacement.
///
/// This is similar's character-level diff run on cells rather than through
/// `TextDiff::from_chars`, which needs `str`: a cell is a character or an
/// invalid byte, so each one maps to exactly one rendered unit and its columns.
fn caret_row(old: &[Cell], new: &[Cell], new_cols: &[usize]) -> String {
    let end = new_cols.last().copied().unwrap_or(0);
    let mut marks = vec![false; end + 1];
    let col = |i: usize| new_cols.get(i).copied().unwrap_or(end);
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        let changed = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { new_index, .. } => col(new_index)..col(new_index) + 1,
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => {
                let (start, stop) = (col(new_index), col(new_index + new_len));
                // A change of zero width (a combining mark) marks the character it sits on.
                if start == stop {
                    start.saturating_sub(1)..start.max(1)
                } else {
                    start..stop
                }
            }
        };
        for mark in marks.get_mut(changed).unwrap_or_default() {
            *mark = true;
        }
    }
    let row: String = marks.iter().map(|&m| if m { '^' } else { ' ' }).collect();
    row.trim_end().to_owned()
}

/// The part of each line of a changed pair to show: the same start on both
/// sides, just before their first difference when a line is too long.
fn pair_windows(old: &[Cell], new: &[Cell]) -> (Range<usize>, Range<usize>) {
    let start = if old.len() <= MAX_LINE_CELLS && new.len() <= MAX_LINE_CELLS {
        0
    } else {
        let common = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        common.saturating_sub(LEAD_CELLS)
    };
    let window = |len: usize| start.min(len)..len.min(start + MAX_LINE_CELLS);
    (window(old.len()), window(new.len()))
}

/// The one hint the renderer may add; never used for a verdict.
fn hint(expected: &[u8], actual: &[u8]) -> Option<&'static str> {
    if only_final_newline(expected, actual) || only_final_newline(actual, expected) {
        Some(FINAL_NEWLINE_NOTE)
    } else if collapse_whitespace(expected) == collapse_whitespace(actual) {
        Some(WHITESPACE_NOTE)
    } else {
        None
    }
}

fn only_final_newline(short: &[u8], long: &[u8]) -> bool {
    long.strip_prefix(short)
        .is_some_and(|rest| rest == b"\n" || rest == b"\r\n")
}

/// Each line with runs of spaces, tabs and CRs collapsed to one space and
/// trimmed; blank lines at either end of the text dropped.
fn collapse_whitespace(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.split(|&b| b == b'\n') {
        let words = line.split(|b| matches!(b, b' ' | b'\t' | b'\r'));
        for (i, word) in words.filter(|w| !w.is_empty()).enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(word);
        }
        out.push(b'\n');
    }
    let start = out.iter().position(|&b| b != b'\n').unwrap_or(out.len());
    let end = out
        .iter()
        .rposition(|&b| b != b'\n')
        .map_or(start, |i| i + 1);
    out.get(start..end).unwrap_or_default().to_vec()
}

/// One line of a hunk, by line index (0-based) on each side.
#[derive(Clone, Copy)]
enum Row {
    Context(usize, usize),
    Removed(usize),
    Added(usize),
    /// A removed line followed by the added line that replaces it.
    Pair(usize, usize),
}

impl Row {
    fn printed_lines(self) -> usize {
        match self {
            Row::Pair(..) => 2,
            _ => 1,
        }
    }
}

fn hunk_rows(group: &[DiffOp]) -> Vec<Row> {
    let mut rows = Vec::new();
    for op in group {
        let (old, new) = (op.old_range(), op.new_range());
        let paired = old.len().min(new.len());
        match op {
            DiffOp::Equal { .. } => rows.extend(old.zip(new).map(|(o, n)| Row::Context(o, n))),
            DiffOp::Delete { .. } => rows.extend(old.map(Row::Removed)),
            DiffOp::Insert { .. } => rows.extend(new.map(Row::Added)),
            DiffOp::Replace { .. } => {
                rows.extend(old.clone().zip(new.clone()).map(|(o, n)| Row::Pair(o, n)));
                rows.extend(old.skip(paired).map(Row::Removed));
                rows.extend(new.skip(paired).map(Row::Added));
            }
        }
    }
    rows
}

/// Content lines an op prints: its equal lines once, or its removed and added lines.
fn op_lines(op: &DiffOp) -> usize {
    match op {
        DiffOp::Equal { len, .. } => *len,
        _ => op.old_range().len() + op.new_range().len(),
    }
}

/// `@@ -a,b +c,d @@` for a group of ops, in unified-diff numbering.
fn hunk_header(group: &[DiffOp]) -> String {
    let span = |first: usize, last: usize| {
        let len = last.saturating_sub(first);
        let start = if len == 0 { first } else { first + 1 };
        format!("{start},{len}")
    };
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return String::new();
    };
    format!(
        "@@ -{} +{} @@",
        span(first.old_range().start, last.old_range().end),
        span(first.new_range().start, last.new_range().end)
    )
}

/// Accumulates the output and the count of printed content lines.
struct Renderer<'a> {
    old: &'a [&'a [u8]],
    new: &'a [&'a [u8]],
    /// Width of each line-number column.
    width: usize,
    printed: usize,
    out: String,
}

impl<'a> Renderer<'a> {
    fn new(old: &'a [&'a [u8]], new: &'a [&'a [u8]]) -> Self {
        let width = old.len().max(new.len()).to_string().len();
        let out = String::from("--- expected\n+++ actual\n");
        Renderer {
            old,
            new,
            width,
            printed: 0,
            out,
        }
    }

    fn hunks(&mut self, groups: &[Vec<DiffOp>]) {
        let total: usize = groups.iter().flatten().map(op_lines).sum();
        for group in groups {
            if self.printed >= MAX_PRINTED_LINES {
                break;
            }
            self.line(&hunk_header(group));
            for row in hunk_rows(group) {
                if self.printed + row.printed_lines() > MAX_PRINTED_LINES {
                    break;
                }
                self.row(row);
            }
        }
        if total > self.printed {
            self.line(&format!("… {} more lines", total - self.printed));
        }
    }

    fn row(&mut self, row: Row) {
        match row {
            Row::Context(o, n) => {
                let line = self.old_line(o);
                let cells = cells(line);
                let window = 0..cells.len().min(MAX_LINE_CELLS);
                let text = render_cells(&cells, window, Style::Plain).text;
                self.content(Some(o), Some(n), ' ', &text, line);
            }
            Row::Removed(o) => {
                let line = self.old_line(o);
                self.changed(Some(o), None, '-', line);
            }
            Row::Added(n) => {
                let line = self.new_line(n);
                self.changed(None, Some(n), '+', line);
            }
            Row::Pair(o, n) => self.pair(o, n),
        }
    }

    fn changed(&mut self, old_no: Option<usize>, new_no: Option<usize>, marker: char, line: &[u8]) {
        let cells = cells(line);
        let window = 0..cells.len().min(MAX_LINE_CELLS);
        let text = render_cells(&cells, window, Style::Visible).text;
        self.content(old_no, new_no, marker, &text, line);
    }

    fn pair(&mut self, o: usize, n: usize) {
        let (old_line, new_line) = (self.old_line(o), self.new_line(n));
        let (old_cells, new_cells) = (cells(old_line), cells(new_line));
        let (old_window, new_window) = pair_windows(&old_cells, &new_cells);
        let old = render_cells(&old_cells, old_window.clone(), Style::Visible);
        let new = render_cells(&new_cells, new_window.clone(), Style::Visible);
        let carets = caret_row(
            old_cells.get(old_window).unwrap_or_default(),
            new_cells.get(new_window).unwrap_or_default(),
            &new.cols,
        );
        self.content(Some(o), None, '-', &old.text, old_line);
        self.gutter(None, Some(n), '+', &new.text);
        self.printed += 1;
        if !carets.is_empty() {
            self.gutter(None, None, ' ', &carets);
        }
        self.no_newline_note(new_line);
    }

    /// A numbered content line, then the no-newline note if the line lacks one.
    fn content(
        &mut self,
        old_no: Option<usize>,
        new_no: Option<usize>,
        marker: char,
        text: &str,
        line: &[u8],
    ) {
        self.gutter(old_no, new_no, marker, text);
        self.printed += 1;
        self.no_newline_note(line);
    }

    fn no_newline_note(&mut self, line: &[u8]) {
        if !line.ends_with(b"\n") {
            self.gutter(None, None, ' ', NO_NEWLINE_NOTE);
        }
    }

    /// `  12  12 - │ text`, with 1-based line numbers and no trailing space.
    fn gutter(&mut self, old_no: Option<usize>, new_no: Option<usize>, marker: char, text: &str) {
        let number = |no: Option<usize>| no.map(|i| (i + 1).to_string()).unwrap_or_default();
        let width = self.width;
        let mut line = format!(
            "{:>width$} {:>width$} {marker} │",
            number(old_no),
            number(new_no)
        );
        if !text.is_empty() {
            line.push(' ');
            line.push_str(text);
        }
        self.line(&line);
    }

    fn line(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn old_line(&self, i: usize) -> &'a [u8] {
        self.old.get(i).copied().unwrap_or_default()
    }

    fn new_line(&self, i: usize) -> &'a [u8] {
        self.new.get(i).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `render_diff` of each case must equal the expected text exactly.
    #[test]
    fn renders_exact_diffs() {
        let cases: &[(&str, &[u8], &[u8], &str)] = &[
            (
                "one changed character",
                b"GET\n/\nhost:example.com\n",
                b"GET\n/\nhost:examp1e.com\n",
                "\
--- expected
+++ actual
@@ -1,3 +1,3 @@
1 1   │ GET
2 2   │ /
3   - │ host:example.com␊
  3 + │ host:examp1e.com␊
      │           ^
",
            ),
            (
                "added trailing space",
                b"host:a\nx-amz-date:1\n",
                b"host:a \nx-amz-date:1\n",
                "\
--- expected
+++ actual
@@ -1,2 +1,2 @@
1   - │ host:a␊
  1 + │ host:a·␊
      │       ^
2 2   │ x-amz-date:1
note: the texts differ only in whitespace
",
            ),
            (
                "LF turned into CRLF",
                b"a\nb\n",
                b"a\r\nb\n",
                "\
--- expected
+++ actual
@@ -1,2 +1,2 @@
1   - │ a␊
  1 + │ a␍␊
      │  ^
2 2   │ b
note: the texts differ only in whitespace
",
            ),
            (
                "missing final newline",
                b"a\nb\n",
                b"a\nb",
                "\
--- expected
+++ actual
@@ -1,2 +1,2 @@
1 1   │ a
2   - │ b␊
  2 + │ b
      │  ^
      │ \\ no newline at end of file
note: the texts differ only in a final newline
",
            ),
            (
                "extra final newline",
                b"a\nb",
                b"a\nb\n",
                "\
--- expected
+++ actual
@@ -1,2 +1,2 @@
1 1   │ a
2   - │ b
      │ \\ no newline at end of file
  2 + │ b␊
      │  ^
note: the texts differ only in a final newline
",
            ),
            (
                "invalid UTF-8 byte",
                b"x\xffy\n",
                b"xy\xfe\n",
                "\
--- expected
+++ actual
@@ -1,1 +1,1 @@
1   - │ x<0xFF>y␊
  1 + │ xy<0xFE>␊
      │  ^^^^^^^
",
            ),
            (
                "whitespace only",
                b"a  b\tc\n",
                b"a b c\n",
                "\
--- expected
+++ actual
@@ -1,1 +1,1 @@
1   - │ a··b→c␊
  1 + │ a·b·c␊
      │   ^^
note: the texts differ only in whitespace
",
            ),
            (
                "added line without a pair",
                b"a\nc\n",
                b"a\nb\nc\n",
                "\
--- expected
+++ actual
@@ -1,2 +1,3 @@
1 1   │ a
  2 + │ b␊
2 3   │ c
",
            ),
            (
                "wide characters and escapes keep carets aligned",
                "你\u{1b}好 x\n".as_bytes(),
                "你\u{1b}好 y\n".as_bytes(),
                "\
--- expected
+++ actual
@@ -1,1 +1,1 @@
1   - │ 你<0x1B>好·x␊
  1 + │ 你<0x1B>好·y␊
      │            ^
",
            ),
        ];
        for (name, expected, actual, want) in cases {
            assert_eq!(render_diff(expected, actual), *want, "case: {name}");
        }
    }

    /// The example in the module documentation is this function's real output.
    #[test]
    fn module_doc_example_is_current() {
        let expected = b"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                         host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
        let actual = b"GET\n/\n\nhost:example.amazonaws.com \nx-amz-date:20150830T123600Z\n\n\
                       host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let documented: String = include_str!("diff.rs")
            .lines()
            .skip_while(|l| *l != "//! ```text")
            .skip(1)
            .take_while(|l| *l != "//! ```")
            .map(|l| format!("{}\n", l.strip_prefix("//! ").unwrap_or("")))
            .collect();
        assert_eq!(render_diff(expected, actual), documented);
    }

    #[test]
    fn identical_inputs_render_nothing() {
        let cases: &[&[u8]] = &[b"", b"a", b"a\n", b"\xff\r\n", b"GET\n/\n\nhost:x\n"];
        for input in cases {
            assert_eq!(render_diff(input, input), "", "input: {input:?}");
        }
    }

    #[test]
    fn authorization_header_differs_only_in_signature_line() {
        let head = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                    SignedHeaders=content-type;host;x-amz-date, Signature=";
        let expected = split_authorization(&format!("{head}5d672d79c15b13162d9279b0855cfba6"));
        let actual = split_authorization(&format!("{head}5d672d79c15b13162d9279b0855cfba7"));
        let diff = render_diff(expected.as_bytes(), actual.as_bytes());
        let changed: Vec<&str> = diff
            .lines()
            .filter(|l| l.contains(" - │") || l.contains(" + │"))
            .collect();
        assert_eq!(changed.len(), 2, "{diff}");
        assert!(changed.iter().all(|l| l.contains("Signature=")), "{diff}");
        assert!(
            diff.contains("│  SignedHeaders=content-type;host;x-amz-date,\n"),
            "{diff}"
        );
    }

    #[test]
    fn splits_authorization_losslessly() {
        let cases = [
            (
                "AWS4-HMAC-SHA256 Credential=A/s, SignedHeaders=host, Signature=ab",
                "AWS4-HMAC-SHA256\n Credential=A/s,\n SignedHeaders=host,\n Signature=ab\n",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=A/s,SignedHeaders=host,Signature=ab",
                "AWS4-HMAC-SHA256\n Credential=A/s,\nSignedHeaders=host,\nSignature=ab\n",
            ),
            ("Credential=A, Signature=b", "Credential=A,\n Signature=b\n"),
            ("", ""),
        ];
        for (value, want) in cases {
            let split = split_authorization(value);
            assert_eq!(split, want, "value: {value}");
            assert_eq!(split.replace('\n', ""), value);
        }
    }

    #[test]
    fn url_split_shows_the_changed_parameter() {
        let url =
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
                   &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host";
        let changed = url.replace("Expires=86400", "Expires=86401");
        let diff = render_diff(split_url(url).as_bytes(), split_url(&changed).as_bytes());
        assert!(diff.contains("- │ &X-Amz-Expires=86400␊\n"), "{diff}");
        assert!(diff.contains("+ │ &X-Amz-Expires=86401␊\n"), "{diff}");
        assert!(diff.contains("│                    ^\n"), "{diff}");
        assert_eq!(diff.matches(" - │").count(), 1, "{diff}");
    }

    #[test]
    fn splits_urls() {
        let cases = [
            ("https://h/p?a=1&b=2", "https://h/p\n?a=1\n&b=2\n"),
            ("https://h/p", "https://h/p\n"),
            ("https://h/p?a&&b", "https://h/p\n?a\n&\n&b\n"),
            ("", "\n"),
        ];
        for (url, want) in cases {
            assert_eq!(split_url(url), want, "url: {url}");
        }
    }

    #[test]
    fn renders_invisible_characters() {
        let cases: &[(&[u8], &str)] = &[
            (b"a b\tc\r\n", "a·b→c␍␊"),
            (b"a\nb", "a<0x0A>b"),
            (b"\x1b[0m\x7f\x00", "<0x1B>[0m<0x7F><0x00>"),
            (b"\xff\xc3", "<0xFF><0xC3>"),
            ("é ሴ".as_bytes(), "é·ሴ"),
            ("\u{a0}·\u{feff}".as_bytes(), "<U+00A0><U+00B7><U+FEFF>"),
            (b"", ""),
        ];
        for (line, want) in cases {
            assert_eq!(render_invisible(line), *want, "line: {line:?}");
        }
    }

    #[test]
    fn context_lines_keep_cr_and_trailing_whitespace_visible() {
        let diff = render_diff(b"a \r\nb\t\nc\n", b"a \r\nb\t\nC\n");
        assert!(diff.contains("1 1   │ a ␍\n"), "{diff}");
        assert!(diff.contains("2 2   │ b→\n"), "{diff}");
    }

    #[test]
    fn caps_printed_lines() {
        let line = |i: usize| format!("x-amz-meta-{i:05}:{}\n", "v".repeat(40));
        let expected: String = (0..20_000).map(line).collect();
        let actual: String = (0..20_000)
            .map(|i| {
                if i % 100 == 50 {
                    format!("changed {i}\n")
                } else {
                    line(i)
                }
            })
            .collect();
        let diff = render_diff(expected.as_bytes(), actual.as_bytes());
        // 200 hunks of 2 + 2 + 2 lines: 1200 lines, 200 printed.
        assert!(diff.contains("\n… 1000 more lines\n"), "{diff}");
        assert_eq!(diff.matches(" │ changed").count(), 200 / 6);
    }

    #[test]
    fn long_lines_are_cut_around_the_change() {
        let mut expected = vec![b'a'; 1 << 20];
        let mut actual = expected.clone();
        if let Some(b) = actual.get_mut(700_000) {
            *b = b'b';
        }
        expected.push(b'\n');
        actual.push(b'\n');
        let diff = render_diff(&expected, &actual);
        let lines: Vec<&str> = diff.lines().collect();
        let plus = format!(
            "  1 + │ …{}b{}…",
            "a".repeat(LEAD_CELLS),
            "a".repeat(MAX_LINE_CELLS - LEAD_CELLS - 1)
        );
        assert_eq!(lines.get(4), Some(&plus.as_str()), "{diff}");
        let carets = format!("      │ {}^", " ".repeat(LEAD_CELLS + 1));
        assert_eq!(lines.get(5), Some(&carets.as_str()), "{diff}");
    }

    /// xorshift64: a fixed seed keeps the property loop deterministic.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn bytes(&mut self) -> Vec<u8> {
            const ALPHABET: &[&[u8]] = &[
                b"a",
                b"b",
                b" ",
                b"\t",
                b"\r",
                b"\n",
                b"\n",
                b"\xff",
                b"\xc3",
                b"\xa9",
                b"\x1b",
                b"\x7f",
                "你".as_bytes(),
                "é".as_bytes(),
                "\u{301}".as_bytes(),
                "·".as_bytes(),
            ];
            let len = self.below(80);
            (0..len)
                .flat_map(|_| {
                    ALPHABET
                        .get(self.below(ALPHABET.len()))
                        .copied()
                        .unwrap_or_default()
                })
                .copied()
                .collect()
        }

        fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
            let mut out = input.to_vec();
            for _ in 0..=self.below(3) {
                let at = self.below(out.len() + 1);
                let insert = self.bytes();
                let remove = self.below(4).min(out.len() - at);
                out.splice(at..at + remove, insert.into_iter().take(3));
            }
            out
        }
    }

    #[test]
    fn random_inputs_render_clean_output() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        for round in 0..3000 {
            let expected = rng.bytes();
            let actual = if round % 4 == 0 {
                rng.bytes()
            } else {
                rng.mutate(&expected)
            };
            let diff = render_diff(&expected, &actual);
            let context = format!("expected {expected:?}\nactual {actual:?}\n{diff}");
            assert_eq!(
                diff,
                render_diff(&expected, &actual),
                "not deterministic: {context}"
            );
            if expected == actual {
                assert!(diff.is_empty(), "{context}");
                continue;
            }
            assert!(
                diff.starts_with("--- expected\n+++ actual\n@@ -"),
                "{context}"
            );
            let mut previous = "";
            for line in diff.lines() {
                assert!(
                    !line.ends_with([' ', '\t']),
                    "trailing whitespace: {context}"
                );
                assert!(
                    !line.contains(|c: char| c.is_control() && c != '\t'),
                    "control: {context}"
                );
                if let Some(carets) = caret_content(line) {
                    let width: usize = content(previous).chars().map(char_width).sum();
                    assert!(carets.len() <= width + 1, "caret past the line: {context}");
                }
                previous = line;
            }
        }
    }

    /// The text after the gutter of a rendered line.
    fn content(line: &str) -> &str {
        line.split_once(" │ ").map_or("", |(_, text)| text)
    }

    /// The caret row's text when `line` is a caret row.
    fn caret_content(line: &str) -> Option<&str> {
        let text = content(line);
        (text.starts_with([' ', '^']) || text == "^")
            .then_some(text)
            .filter(|t| t.chars().all(|c| c == ' ' || c == '^'))
    }
}
