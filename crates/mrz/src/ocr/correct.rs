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

/// The learned classifier's probabilities for every cell of a still image, line by line
/// (`reader.rs`; in class order, see `classify::char_of`).
pub type NetworkOpinion = [Vec<[f32; CLASSES]>];

/// Reads `cells` (one score set per character, line by line) as `format`.
pub fn decode(format: MrzFormat, cells: &[Vec<CellScores>]) -> Decoded {
    decode_with(format, cells, None)
}

/// [`decode`], with the learned classifier's opinion on a still image to dismiss rival readings
/// it clearly contradicts (see [`vetoed`]).
pub fn decode_with(
    format: MrzFormat,
    cells: &[Vec<CellScores>],
    network: Option<&NetworkOpinion>,
) -> Decoded {
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
    constrain_codes(format, cells, &mut decoded);
    for _ in 0..8 {
        let text: Vec<String> = decoded
            .lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        match Mrz::from_lines(&text) {
            Ok(mrz) if mrz.format() == format => {
                // A second reading that verifies just as well makes this one a guess: refuse it.
                let mut doubtful = ambiguous(format, cells, network, &decoded.lines);
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

/// Positions of the issuing state and the nationality (no check digit covers either).
fn code_fields(format: MrzFormat) -> [[(usize, usize); 3]; 2] {
    let nationality = match format {
        MrzFormat::Td1 => [(1, 15), (1, 16), (1, 17)],
        _ => [(1, 10), (1, 11), (1, 12)],
    };
    [[(0, 2), (0, 3), (0, 4)], nationality]
}

/// Smallest margin each character of a code outside the table needs. Specimens print such codes
/// (`SI<`, `BDR` in the real development set), so they are not refused outright; but a misread
/// letter makes one too (`NLD` read `NLX`), so they must stand out more than a table code's.
const ODD_CODE_MARGIN: f32 = 0.05;

/// Holds the issuing state and nationality to the codes of Doc 9303 Part 3 (`state_codes`), which
/// no check digit covers. A code of the table as read gets, at each of its positions, the margin of
/// its lead over the next code of the table: `NLD` read with `D` and `X` in a near tie is clear
/// (`NLX` is no code), `GBR` with `R` and `D` in a near tie is not (`GBD` is). A code outside the
/// table keeps its characters' margins only where they reach [`ODD_CODE_MARGIN`]. It is never
/// replaced by the nearest code of the table: measured, on a 455 px scan whose `D` was read worst
/// of all, the nearest was `MLT` for `NLD`.
fn constrain_codes(format: MrzFormat, cells: &[Vec<CellScores>], decoded: &mut Decoded) {
    for positions in code_fields(format) {
        let Some(cells_here) = positions
            .iter()
            .map(|&(l, c)| cells.get(l).and_then(|r| r.get(c)))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        if let Some(digits) = numeric_code(&cells_here) {
            for (&(l, c), (ch, score, margin)) in positions.iter().zip(digits) {
                if let Some(slot) = decoded.lines.get_mut(l).and_then(|r| r.get_mut(c)) {
                    *slot = ch;
                }
                if let Some(s) = decoded.scores.get_mut(l).and_then(|r| r.get_mut(c)) {
                    *s = score;
                }
                if let Some(m) = decoded.margins.get_mut(l).and_then(|r| r.get_mut(c)) {
                    *m = margin;
                }
            }
            continue;
        }
        let read: Vec<u8> = positions
            .iter()
            .map(|&(l, c)| {
                decoded
                    .lines
                    .get(l)
                    .and_then(|r| r.get(c))
                    .copied()
                    .unwrap_or(b'<')
            })
            .collect();
        let known = crate::state_codes::is_known(&read);
        let score = |cell: &CellScores, ch: u8| {
            class_of(ch)
                .and_then(|i| cell.0.get(i))
                .copied()
                .unwrap_or(-1.0)
        };
        // The lead of the code as read over the best other code of the table.
        let lead = crate::state_codes::all()
            .filter(|code| {
                let mut padded = [b'<'; 3];
                for (slot, b) in padded.iter_mut().zip(code.bytes()) {
                    *slot = b;
                }
                padded.as_slice() != read.as_slice()
            })
            .map(|code| {
                cells_here
                    .iter()
                    .zip(&read)
                    .enumerate()
                    .map(|(i, (cell, &now))| {
                        let want = code.as_bytes().get(i).copied().unwrap_or(b'<');
                        score(cell, now) - score(cell, want)
                    })
                    .sum::<f32>()
            })
            .fold(f32::MAX, f32::min);
        for &(l, c) in &positions {
            if let Some(m) = decoded.margins.get_mut(l).and_then(|r| r.get_mut(c)) {
                *m = if known {
                    lead
                } else if *m >= ODD_CODE_MARGIN {
                    *m
                } else {
                    0.0
                };
            }
        }
    }
}

/// How much better a character the position cannot hold must look than the best it can hold
/// before the reading is refused.
const FOREIGN: f32 = 0.08;

/// A code field printed as three digits (`parse.rs`, `check_state`: older ID cards print a numeric
/// nationality), as (character, score, margin) per cell: only when every cell's best class of all
/// is a digit ahead of every non-digit by [`FOREIGN`] and of every other digit by
/// [`ODD_CODE_MARGIN`] — a code printed in letters is never turned into digits by a near tie
/// (`O`/`0`, `I`/`1`, `S`/`5`), and one unclear digit leaves the letters' reading, which `foreign`
/// then refuses.
fn numeric_code(cells: &[&CellScores]) -> Option<Vec<(u8, f32, f32)>> {
    cells
        .iter()
        .map(|cell| {
            let digit = |i: usize| char_of(i).is_ascii_digit();
            let (d, score) = cell.best_of(digit)?;
            let other_digit = cell
                .best_of(|i| i != d && digit(i))
                .map_or(-1.0, |(_, s)| s);
            let non_digit = cell.best_of(|i| !digit(i)).map_or(-1.0, |(_, s)| s);
            (score - non_digit >= FOREIGN && score - other_digit >= ODD_CODE_MARGIN).then(|| {
                (
                    char_of(d),
                    score,
                    (score - other_digit).min(score - non_digit),
                )
            })
        })
        .collect()
}

/// The positions of code fields read as three digits (see [`numeric_code`]): their digits are
/// what the field holds, not foreign characters in a letter field.
pub(crate) fn numeric_code_positions(format: MrzFormat, lines: &[Vec<u8>]) -> Vec<(usize, usize)> {
    code_fields(format)
        .into_iter()
        .filter(|positions| {
            positions.iter().all(|&(l, c)| {
                lines
                    .get(l)
                    .and_then(|r| r.get(c))
                    .is_some_and(u8::is_ascii_digit)
            })
        })
        .flatten()
        .collect()
}

/// Positions no check digit covers (names, nationality, sex) where the print clearly shows a
/// character the field cannot hold: the document does not follow the layout there, or the cell is
/// misread. Nothing else would catch it, so the reading is refused rather than "corrected".
fn foreign(format: MrzFormat, cells: &[Vec<CellScores>], lines: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let guarded_positions = guarded_positions(format, lines);
    let numeric = numeric_code_positions(format, lines);
    let mut out = Vec::new();
    for (l, row) in cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if guarded_positions.contains(&(l, c)) || numeric.contains(&(l, c)) {
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

/// The learned classifier dismisses a rival reading only when, at every position the rival
/// changes, it gives the character as read at least this probability…
const VETO_READ_P: f32 = 0.9;
/// …and the rival's character at most this. A different classifier (trained on its own glyphs,
/// `learned.rs`) that is sure the print shows `8`, not `S`, settles what the templates leave in a
/// near tie: on a 272 px scan `1071828900` against `1071S2S900`, `8` at p 0.98, `S` at 0.01–0.02.
const VETO_RIVAL_P: f32 = 0.05;

/// Whether the network contradicts every change a rival reading makes (see [`VETO_READ_P`]).
fn vetoed(
    network: Option<&NetworkOpinion>,
    lines: &[Vec<u8>],
    changes: &[((usize, usize), u8)],
) -> bool {
    let Some(network) = network else {
        return false;
    };
    let p = |(l, c): (usize, usize), ch: u8| {
        network
            .get(l)
            .and_then(|r| r.get(c))
            .zip(class_of(ch))
            .and_then(|(probs, i)| probs.get(i))
            .copied()
    };
    !changes.is_empty()
        && changes.iter().all(|&(pos, rival)| {
            let read = lines.get(pos.0).and_then(|r| r.get(pos.1)).copied();
            match (read.and_then(|ch| p(pos, ch)), p(pos, rival)) {
                (Some(pr), Some(pv)) => pr >= VETO_READ_P && pv <= VETO_RIVAL_P,
                _ => false,
            }
        })
}

/// Positions of guarded fields where another reading, almost as likely, would verify too (unless
/// the learned classifier's opinion on a still vetoes it).
fn ambiguous(
    format: MrzFormat,
    cells: &[Vec<CellScores>],
    network: Option<&NetworkOpinion>,
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
            let at: Vec<((usize, usize), u8)> = changes
                .iter()
                .filter_map(|&(i, ch)| positions.get(i).map(|&p| (p, ch)))
                .collect();
            if holds(&d, cd) && !vetoed(network, lines, &at) {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const TD3: [&str; 2] = [
        "P<NLDMEULENDIJK<<LOES<ALBERTINE<<<<<<<<<<<<<",
        "XA00000148NLD7110195F0604121123456782<<<<<02",
    ];

    /// Scores that read `lines` clearly: 0.9 for the printed character, 0.5 for every other.
    pub(in crate::ocr) fn clear_cells(lines: &[&str]) -> Vec<Vec<CellScores>> {
        lines
            .iter()
            .map(|l| {
                l.bytes()
                    .map(|ch| {
                        let mut s = [0.5f32; CLASSES];
                        if let Some(i) = class_of(ch) {
                            s[i] = 0.9;
                        }
                        CellScores(s)
                    })
                    .collect()
            })
            .collect()
    }

    fn set(cells: &mut [Vec<CellScores>], (l, c): (usize, usize), ch: u8, score: f32) {
        if let (Some(cell), Some(i)) = (cells.get_mut(l).and_then(|r| r.get_mut(c)), class_of(ch)) {
            cell.0[i] = score;
        }
    }

    #[test]
    fn a_near_tie_with_a_letter_no_state_code_has_is_clear() {
        // The issuing state's `D` only just beats `X`: but `NLX` is no code, so `NLD` stands clear.
        let mut cells = clear_cells(&TD3);
        set(&mut cells, (0, 4), b'D', 0.60);
        set(&mut cells, (0, 4), b'X', 0.59);
        let d = decode(MrzFormat::Td3, &cells);
        assert!(d.mrz.is_some());
        assert!(d.margins[0][4] > 0.1, "margin {}", d.margins[0][4]);
    }

    #[test]
    fn a_near_tie_between_two_state_codes_stays_a_near_tie() {
        // `GBR` against `GBD`: both are codes of Doc 9303 Part 3, nothing settles the tie.
        let lines = [
            "P<GBRUNITED<KINGDOM<TWENTY<SIX<<JODIE<PIPPA<",
            "1071828900GBR8501178F1601312<<<<<<<<<<<<<<06",
        ];
        let mut cells = clear_cells(&lines);
        set(&mut cells, (0, 4), b'R', 0.60);
        set(&mut cells, (0, 4), b'D', 0.59);
        let d = decode(MrzFormat::Td3, &cells);
        assert!(d.margins[0][4] < 0.015, "margin {}", d.margins[0][4]);
    }

    #[test]
    fn a_code_outside_the_table_needs_every_letter_clear() {
        // `NLX` with `X` barely ahead of `D` (a misread `D`): not a code, and not clearly printed.
        let mut cells = clear_cells(&TD3);
        set(&mut cells, (0, 4), b'X', 0.62);
        set(&mut cells, (0, 4), b'D', 0.60);
        let d = decode(MrzFormat::Td3, &cells);
        assert_eq!(&d.lines[0][2..5], b"NLX");
        assert_eq!(d.margins[0][4], 0.0);
        // A clearly printed odd code (specimens print `BDR`, `SI<`) keeps its margins.
        let mut cells = clear_cells(&TD3);
        set(&mut cells, (0, 4), b'X', 0.9);
        set(&mut cells, (0, 4), b'D', 0.5);
        let d = decode(MrzFormat::Td3, &cells);
        assert!(d.margins[0][4] >= ODD_CODE_MARGIN);
    }

    #[test]
    fn a_nationality_printed_clearly_in_digits_is_read_as_digits() {
        // Older ID cards print a numeric nationality (`parse.rs`, `check_state`): the cells show
        // `1`, `3`, `2` far ahead of every letter, so the field holds digits, not a foreign misread.
        let numeric = [TD3[0], "XA000001481327110195F0604121123456782<<<<<02"];
        let d = decode(MrzFormat::Td3, &clear_cells(&numeric));
        assert_eq!(&d.lines[1][10..13], b"132");
        assert!(d.mrz.is_some());
        assert!(d.margins[1][10..13].iter().all(|&m| m >= ODD_CODE_MARGIN));
    }

    #[test]
    fn a_numeric_code_with_one_unclear_digit_is_refused() {
        // `3` only just ahead of `S` in the middle cell: the field is no clear number, and the
        // letters read in its place are foreign to the print, so the reading is refused.
        let numeric = [TD3[0], "XA000001481327110195F0604121123456782<<<<<02"];
        let mut cells = clear_cells(&numeric);
        set(&mut cells, (1, 11), b'3', 0.9);
        set(&mut cells, (1, 11), b'S', 0.86);
        let d = decode(MrzFormat::Td3, &cells);
        assert!(
            d.mrz.is_none(),
            "{:?}",
            String::from_utf8_lossy(&d.lines[1])
        );
    }

    #[test]
    fn letters_of_a_code_are_not_turned_into_digits_by_a_near_tie() {
        // `NLD` with `O`-like `D` and `0` in a near tie stays the letter code.
        let mut cells = clear_cells(&TD3);
        set(&mut cells, (1, 12), b'0', 0.88);
        let d = decode(MrzFormat::Td3, &cells);
        assert_eq!(&d.lines[1][10..13], b"NLD");
        assert!(d.mrz.is_some());
    }

    /// The network's opinion on `cells`: nothing anywhere, except `p` for the given characters at `pos`.
    fn opinion(
        cells: &[Vec<CellScores>],
        pos: (usize, usize),
        p: &[(u8, f32)],
    ) -> Vec<Vec<[f32; CLASSES]>> {
        let mut net: Vec<Vec<[f32; CLASSES]>> = cells
            .iter()
            .map(|r| vec![[0.0; CLASSES]; r.len()])
            .collect();
        for &(ch, pr) in p {
            if let (Some(cell), Some(i)) = (
                net.get_mut(pos.0).and_then(|r| r.get_mut(pos.1)),
                class_of(ch),
            ) {
                cell[i] = pr;
            }
        }
        net
    }

    #[test]
    fn a_check_digit_twin_in_a_near_tie_is_a_rival_unless_the_network_rules_it_out() {
        // `0` and `U` weigh the same modulo 10: with `U` 0.02 behind, `XAU000014` verifies too.
        let mut cells = clear_cells(&TD3);
        set(&mut cells, (1, 2), b'U', 0.88);
        assert!(decode(MrzFormat::Td3, &cells).mrz.is_none());
        // The learned classifier sure of `0`, and `U` all but excluded: the rival is dismissed.
        let sure = opinion(&cells, (1, 2), &[(b'0', 0.97), (b'U', 0.01)]);
        let d = decode_with(MrzFormat::Td3, &cells, Some(&sure));
        assert_eq!(&d.lines[1][..9], b"XA0000014");
        assert!(d.mrz.is_some());
        // Not sure enough of `0`, or `U` still plausible: the reading stays refused.
        for p in [[(b'0', 0.85), (b'U', 0.01)], [(b'0', 0.9), (b'U', 0.08)]] {
            let unsure = opinion(&cells, (1, 2), &p);
            assert!(
                decode_with(MrzFormat::Td3, &cells, Some(&unsure))
                    .mrz
                    .is_none(),
                "{p:?}"
            );
        }
    }
}
