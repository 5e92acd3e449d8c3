//! Connected components of the dark-text mask (8-connected, run-based union-find), with their boxes.

/// A connected blob of dark pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blob {
    pub x0: u32,
    pub y0: u32,
    /// Exclusive.
    pub x1: u32,
    /// Exclusive.
    pub y1: u32,
    pub pixels: u32,
}

impl Blob {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }

    pub fn cx(&self) -> f32 {
        (self.x0 + self.x1) as f32 / 2.0
    }

    pub fn cy(&self) -> f32 {
        (self.y0 + self.y1) as f32 / 2.0
    }
}

struct Run {
    y: u32,
    x0: u32,
    x1: u32,
    label: usize,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// All 8-connected components of `mask` (`w`×`h`, row-major).
pub fn components(mask: &[bool], w: usize, h: usize) -> Vec<Blob> {
    let mut runs: Vec<Run> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut prev_start = 0usize;
    for y in 0..h {
        let Some(row) = mask.get(y * w..(y + 1) * w) else {
            break;
        };
        let row_start = runs.len();
        let mut x = 0usize;
        while x < w {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && row[x] {
                x += 1;
            }
            let label = parent.len();
            parent.push(label);
            runs.push(Run {
                y: y as u32,
                x0: start as u32,
                x1: x as u32,
                label,
            });
        }
        // Union with overlapping runs of the previous row (8-connectivity: touching diagonally counts).
        let (prev, cur) = runs.split_at(row_start);
        let prev = &prev[prev_start..];
        let mut j = 0usize;
        for r in cur {
            while j < prev.len() && prev[j].x1 < r.x0 {
                j += 1;
            }
            let mut k = j;
            while k < prev.len() && prev[k].x0 <= r.x1 {
                let (a, b) = (find(&mut parent, r.label), find(&mut parent, prev[k].label));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
                k += 1;
            }
        }
        prev_start = row_start;
    }
    let mut index = vec![usize::MAX; parent.len()];
    let mut blobs: Vec<Blob> = Vec::new();
    for r in &runs {
        let root = find(&mut parent, r.label);
        let slot = &mut index[root];
        if *slot == usize::MAX {
            *slot = blobs.len();
            blobs.push(Blob {
                x0: r.x0,
                y0: r.y,
                x1: r.x1,
                y1: r.y + 1,
                pixels: 0,
            });
        }
        let b = &mut blobs[*slot];
        b.x0 = b.x0.min(r.x0);
        b.x1 = b.x1.max(r.x1);
        b.y1 = b.y1.max(r.y + 1);
        b.pixels += r.x1 - r.x0;
    }
    blobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_and_diagonal_blobs_are_found() {
        #[rustfmt::skip]
        let picture = [
            "##....#",
            "##...#.",
            ".....#.",
            "..#....",
            "...#...",
        ];
        let mask: Vec<bool> = picture
            .iter()
            .flat_map(|r| r.bytes().map(|c| c == b'#'))
            .collect();
        let mut blobs = components(&mask, 7, 5);
        blobs.sort_by_key(|b| (b.x0, b.y0));
        assert_eq!(blobs.len(), 3);
        assert_eq!(
            (
                blobs[0].x0,
                blobs[0].y0,
                blobs[0].x1,
                blobs[0].y1,
                blobs[0].pixels
            ),
            (0, 0, 2, 2, 4)
        );
        assert_eq!(
            (
                blobs[1].x0,
                blobs[1].y0,
                blobs[1].x1,
                blobs[1].y1,
                blobs[1].pixels
            ),
            (2, 3, 4, 5, 2)
        );
        assert_eq!(
            (
                blobs[2].x0,
                blobs[2].y0,
                blobs[2].x1,
                blobs[2].y1,
                blobs[2].pixels
            ),
            (5, 0, 7, 3, 3)
        );
    }

    #[test]
    fn a_u_shape_is_one_blob() {
        let picture = ["#...#", "#...#", "#####"];
        let mask: Vec<bool> = picture
            .iter()
            .flat_map(|r| r.bytes().map(|c| c == b'#'))
            .collect();
        assert_eq!(components(&mask, 5, 3).len(), 1);
    }
}
