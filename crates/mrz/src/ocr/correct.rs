//! From per-cell class scores to a verified MRZ: choose the best character each position may hold,
//! then, where a check digit fails, try the likeliest substitutions within that field (the classic
//! O/0, I/1, B/8, S/5, Z/2, G/6 confusions and the classifier's own runners-up) and keep a change
//! only if the check digit then verifies. The composite digit guards the result once more.

use crate::check_digit::check_digit;
use crate::error::MrzError;
use crate::format::MrzFormat;
use crate::mrz::Mrz;

use super::classify::{CLASSES, CellScores, char_of, class_of};
use super::layout::{guarded, kind};

/// Look-alike pairs in OCR-B that check digits are used to resolve.
const CONFUSIONS: &[(u8, u8)] = &[
    (b'O', b'0'),
    (b'Q', b'0'),
    (b'D', b'0'),
    (b'I', b'1'),
    (b'B', b'8'),
    (b'S', b'5'),
    (b'Z', b'2'),
    (b'G', b'6'),
];

/// Largest score loss of a runner-up worth trying, and of a look-alike.
const NEAR: f32 = 0.12;
const LOOKALIKE: f32 = 0.3;

/// One frame's reading of the MRZ.
#[derive(Clone, PartialEq)]
pub struct Decoded {
    pub format: MrzFormat,
    /// The characters read, line by line.
    pub lines: Vec<Vec<u8>>,
    /// Per character: the classifier's score for it.
    pub scores: Vec<Vec<f32>>,
    /// Per character: score margin over the best other allowed character (small = uncertain).
    pub margins: Vec<Vec<f32>>,
    /// How many characters the check digits changed.
    pub corrections: usize,
    /// The verified MRZ, if every check digit holds.
    pub mrz: Option<Mrz>,
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("format", &self.format)
            .field("corrections", &self.corrections)
            .field("verified", &self.mrz.is_some())
            .finish_non_exhaustive()
    }
}

/// The format a band of `n`-character lines holds, from the first character's scores.
pub fn format_of(n: usize, first: &CellScores) -> Option<MrzFormat> {
    let score = |c: u8| {
        class_of(c)
            .and_then(|i| first.0.get(i))
            .copied()
            .unwrap_or(-1.0)
    };
    match n {
        30 => Some(MrzFormat::Td1),
        36 => Some(
            if score(b'V')
                > [b'I', b'A', b'C']
                    .map(score)
                    .into_iter()
                    .fold(-1.0, f32::max)
            {
                MrzFormat::MrvB
            } else {
                MrzFormat::Td2
            },
        ),
        44 => Some(if score(b'V') > score(b'P') {
            MrzFormat::MrvA
        } else {
            MrzFormat::Td3
        }),
        _ => None,
    }
}

fn lookalike(a: u8, b: u8) -> bool {
    CONFUSIONS
        .iter()
        .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
}

/// Reads `cells` (one score set per character, line by line) as `format`.
pub fn decode(format: MrzFormat, cells: &[Vec<CellScores>]) -> Decoded {
    let mut lines = Vec::with_capacity(cells.len());
    let mut scores = Vec::with_capacity(cells.len());
    let mut margins = Vec::with_capacity(cells.len());
    for (l, row) in cells.iter().enumerate() {
        let mut chars = Vec::with_capacity(row.len());
        let mut s_row = Vec::with_capacity(row.len());
        let mut m_row = Vec::with_capacity(row.len());
        for (c, cell) in row.iter().enumerate() {
            let k = kind(format, l, c);
            let (best, score) = cell
                .best_of(|i| k.allows(char_of(i)))
                .unwrap_or((CLASSES - 1, -1.0));
            let second = cell
                .best_of(|i| i != best && k.allows(char_of(i)))
                .map_or(-1.0, |(_, s)| s);
            chars.push(char_of(best));
            s_row.push(score);
            m_row.push(score - second);
        }
        lines.push(chars);
        scores.push(s_row);
        margins.push(m_row);
    }
    let mut decoded = Decoded {
        format,
        lines,
        scores,
        margins,
        corrections: 0,
        mrz: None,
    };
    for _ in 0..8 {
        let text: Vec<String> = decoded
            .lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        match Mrz::from_lines(&text) {
            Ok(mrz) if mrz.format() == format => {
                // A second reading that verifies just as well makes this one a guess: refuse it.
                let mut doubtful = ambiguous(format, cells, &decoded.lines);
                doubtful.extend(foreign(format, cells, &decoded.lines));
                for &(l, c) in &doubtful {
                    if let Some(m) = decoded.margins.get_mut(l).and_then(|r| r.get_mut(c)) {
                        *m = 0.0;
                    }
                }
                if doubtful.is_empty() {
                    decoded.mrz = Some(mrz);
                }
                return decoded;
            }
            Err(MrzError::CheckDigit { field, .. }) => {
                if !repair(format, cells, &mut decoded, field) {
                    return decoded;
                }
            }
            _ => return decoded,
        }
    }
    decoded
}

/// How much better a character the position cannot hold must look than the best it can hold
/// before the reading is refused.
const FOREIGN: f32 = 0.08;

/// Positions no check digit covers (names, nationality, sex) where the print clearly shows a
/// character the field cannot hold: the document does not follow the layout there, or the cell is
/// misread. Nothing else would catch it, so the reading is refused rather than "corrected".
fn foreign(format: MrzFormat, cells: &[Vec<CellScores>], lines: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let guarded_positions = guarded_positions(format, lines);
    let mut out = Vec::new();
    for (l, row) in cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if guarded_positions.contains(&(l, c)) {
                continue;
            }
            let k = kind(format, l, c);
            let allowed = cell
                .best_of(|i| k.allows(char_of(i)))
                .map_or(-1.0, |(_, s)| s);
            let other = cell
                .best_of(|i| !k.allows(char_of(i)))
                .map_or(-1.0, |(_, s)| s);
            if other > allowed + FOREIGN {
                out.push((l, c));
            }
        }
    }
    out
}

/// Every position some check digit covers.
pub(crate) fn guarded_positions(format: MrzFormat, lines: &[Vec<u8>]) -> Vec<(usize, usize)> {
    use crate::Field;
    [
        Field::DocumentNumber,
        Field::BirthDate,
        Field::ExpiryDate,
        Field::OptionalData,
        Field::Composite,
    ]
    .into_iter()
    .filter_map(|f| guarded(format, lines, f))
    .flat_map(|g| g.positions())
    .collect()
}

/// Score loss within which a different reading that also verifies counts as a rival.
const RIVAL: f32 = 0.05;

/// Positions of guarded fields where another reading, almost as likely, would verify too.
fn ambiguous(
    format: MrzFormat,
    cells: &[Vec<CellScores>],
    lines: &[Vec<u8>],
) -> Vec<(usize, usize)> {
    use crate::Field;
    let mut doubtful = Vec::new();
    for field in [
        Field::DocumentNumber,
        Field::BirthDate,
        Field::ExpiryDate,
        Field::OptionalData,
        Field::Composite,
    ] {
        let Some(g) = guarded(format, lines, field) else {
            continue;
        };
        let positions = g.positions();
        let options: Vec<Vec<(u8, f32)>> = positions
            .iter()
            .map(|&p| {
                alternatives(format, cells, lines, p)
                    .into_iter()
                    .filter(|&(_, loss)| loss <= RIVAL)
                    .collect()
            })
            .collect();
        let get =
            |(l, c): (usize, usize)| lines.get(l).and_then(|r| r.get(c)).copied().unwrap_or(b'<');
        let data: Vec<u8> = g.data.iter().map(|&p| get(p)).collect();
        let digit = get(g.digit);
        let holds = |data: &[u8], digit: u8| check_digit(data) == Some(digit);
        let mut rival = |changes: &[(usize, u8)]| {
            let mut d = data.clone();
            let mut cd = digit;
            for &(i, ch) in changes {
                match d.get_mut(i) {
                    Some(slot) => *slot = ch,
                    None => cd = ch,
                }
            }
            if holds(&d, cd) {
                doubtful.extend(
                    changes
                        .iter()
                        .filter_map(|&(i, _)| positions.get(i))
                        .copied(),
                );
            }
        };
        for (i, oi) in options.iter().enumerate() {
            for &(a, la) in oi {
                rival(&[(i, a)]);
                for (j, oj) in options.iter().enumerate().skip(i + 1) {
                    for &(b, lb) in oj {
                        if la + lb <= RIVAL {
                            rival(&[(i, a), (j, b)]);
                        }
                    }
                }
            }
        }
    }
    doubtful.sort_unstable();
    doubtful.dedup();
    doubtful
}

/// Alternatives for one position: (character, score loss), best first.
fn alternatives(
    format: MrzFormat,
    cells: &[Vec<CellScores>],
    current: &[Vec<u8>],
    pos: (usize, usize),
) -> Vec<(u8, f32)> {
    let Some(cell) = cells.get(pos.0).and_then(|r| r.get(pos.1)) else {
        return Vec::new();
    };
    let now = current
        .get(pos.0)
        .and_then(|r| r.get(pos.1))
        .copied()
        .unwrap_or(b'<');
    let k = kind(format, pos.0, pos.1);
    let base = class_of(now)
        .and_then(|i| cell.0.get(i))
        .copied()
        .unwrap_or(-1.0);
    let mut out: Vec<(u8, f32)> = (0..CLASSES)
        .map(|i| (char_of(i), base - cell.0[i]))
        .filter(|&(c, loss)| {
            c != now && k.allows(c) && (loss <= NEAR || (lookalike(c, now) && loss <= LOOKALIKE))
        })
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out.truncate(3);
    out
}

/// Substitutions: (line, column) and the new character.
type Changes = Vec<((usize, usize), u8)>;

/// Changes at most two positions of `field` so that its check digit verifies, at the least score loss.
fn repair(
    format: MrzFormat,
    cells: &[Vec<CellScores>],
    decoded: &mut Decoded,
    field: crate::Field,
) -> bool {
    let Some(g) = guarded(format, &decoded.lines, field) else {
        return false;
    };
    let positions = g.positions();
    let options: Vec<Vec<(u8, f32)>> = positions
        .iter()
        .map(|&p| alternatives(format, cells, &decoded.lines, p))
        .collect();
    let get = |lines: &[Vec<u8>], (l, c): (usize, usize)| {
        lines.get(l).and_then(|r| r.get(c)).copied().unwrap_or(b'<')
    };
    let verifies = |lines: &[Vec<u8>]| {
        let data: Vec<u8> = g.data.iter().map(|&p| get(lines, p)).collect();
        let digit = get(lines, g.digit);
        // An empty TD3 personal number may show `<` as its check digit.
        let empty_ok =
            field == crate::Field::OptionalData && digit == b'<' && data.iter().all(|&c| c == b'<');
        empty_ok || check_digit(&data) == Some(digit)
    };
    let mut best: Option<(f32, Changes)> = None;
    let mut consider = |changes: Changes, loss: f32, lines: &mut Vec<Vec<u8>>| {
        let saved: Vec<u8> = changes.iter().map(|&(p, _)| get(lines, p)).collect();
        for &((l, c), ch) in &changes {
            if let Some(slot) = lines.get_mut(l).and_then(|r| r.get_mut(c)) {
                *slot = ch;
            }
        }
        if verifies(lines) && best.as_ref().is_none_or(|(b, _)| loss < *b) {
            best = Some((loss, changes.clone()));
        }
        for (&((l, c), _), old) in changes.iter().zip(saved) {
            if let Some(slot) = lines.get_mut(l).and_then(|r| r.get_mut(c)) {
                *slot = old;
            }
        }
    };
    let mut lines = decoded.lines.clone();
    for (i, opts) in options.iter().enumerate() {
        for &(ch, loss) in opts {
            consider(vec![(positions[i], ch)], loss, &mut lines);
        }
    }
    for (i, oi) in options.iter().enumerate() {
        for (j, oj) in options.iter().enumerate().skip(i + 1) {
            for &(a, la) in oi {
                for &(b, lb) in oj {
                    // Two changes must together cost little, or a random pair could fake the digit.
                    if la + lb <= LOOKALIKE {
                        consider(
                            vec![(positions[i], a), (positions[j], b)],
                            la + lb + 0.02,
                            &mut lines,
                        );
                    }
                }
            }
        }
    }
    match best {
        Some((_, changes)) => {
            for ((l, c), ch) in changes {
                if let Some(slot) = decoded.lines.get_mut(l).and_then(|r| r.get_mut(c)) {
                    *slot = ch;
                    decoded.corrections += 1;
                }
                if let Some(m) = decoded.margins.get_mut(l).and_then(|r| r.get_mut(c)) {
                    *m = 0.0;
                }
            }
            true
        }
        None => false,
    }
}
