//! The camera preview in a terminal: two pixels per cell with `▀` (top pixel as foreground, bottom
//! as background), scaled to fit and centred. Overlays (the guide where the code should be, the
//! boxes the daemon found) are drawn as pixel outlines. Without colour the frame becomes a
//! luminance ramp of characters and the overlays box-drawing lines.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

use crate::model::{PixelBox, PreviewFrame};
use crate::theme::Theme;

/// An outline to draw, in frame pixels, with its colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlay {
    pub rect: PixelBox,
    pub rgb: [u8; 3],
}

/// A box given as fractions of the frame (for guides that do not depend on the frame size).
pub fn fraction_box(frame: &PreviewFrame, x0: f32, y0: f32, x1: f32, y1: f32) -> PixelBox {
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    PixelBox {
        x: (x0 * w) as i32,
        y: (y0 * h) as i32,
        w: ((x1 - x0) * w) as i32,
        h: ((y1 - y0) * h) as i32,
    }
}

#[derive(Debug)]
pub struct Preview<'a> {
    pub frame: &'a PreviewFrame,
    pub overlays: Vec<Overlay>,
    pub theme: Theme,
}

/// Where the scaled frame lands inside the area, in display pixels (cell columns × 2 rows).
#[derive(Debug, Clone, Copy)]
struct Fit {
    scale: f32,
    off_x: f32,
    off_y: f32,
    w: f32,
    h: f32,
}

impl Fit {
    fn new(frame: &PreviewFrame, area: Rect) -> Option<Fit> {
        let (aw, ah) = (f32::from(area.width), f32::from(area.height) * 2.0);
        let (fw, fh) = (frame.width() as f32, frame.height() as f32);
        let scale = (aw / fw).min(ah / fh);
        if !(scale.is_finite() && scale > 0.0) {
            return None;
        }
        let (w, h) = (fw * scale, fh * scale);
        Some(Fit {
            scale,
            off_x: ((aw - w) / 2.0).floor(),
            off_y: ((ah - h) / 2.0).floor(),
            w,
            h,
        })
    }

    /// The frame pixel under display pixel (dx, dy), if the frame covers it.
    fn source(&self, dx: u16, dy: u16) -> Option<(u32, u32)> {
        let (x, y) = (f32::from(dx) - self.off_x, f32::from(dy) - self.off_y);
        if x < 0.0 || y < 0.0 || x >= self.w || y >= self.h {
            return None;
        }
        Some(((x / self.scale) as u32, (y / self.scale) as u32))
    }

    /// A frame-pixel box in display pixels: (x0, y0, x1, y1) inclusive.
    fn display_box(&self, b: PixelBox) -> DisplayBox {
        let x0 = (b.x as f32 * self.scale + self.off_x).round() as i32;
        let y0 = (b.y as f32 * self.scale + self.off_y).round() as i32;
        let x1 = ((b.x + b.w) as f32 * self.scale + self.off_x).round() as i32 - 1;
        let y1 = ((b.y + b.h) as f32 * self.scale + self.off_y).round() as i32 - 1;
        (x0, y0, x1.max(x0), y1.max(y0))
    }
}

/// An outline in display pixels, inclusive corners.
type DisplayBox = (i32, i32, i32, i32);

fn on_outline((x0, y0, x1, y1): DisplayBox, x: i32, y: i32) -> bool {
    let inside_x = (x0..=x1).contains(&x);
    let inside_y = (y0..=y1).contains(&y);
    ((x == x0 || x == x1) && inside_y) || ((y == y0 || y == y1) && inside_x)
}

const RAMP: &[char] = &[' ', '.', ':', '-', '=', '+', '*', '#', '%', '@'];

fn luma([r, g, b]: [u8; 3]) -> u32 {
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000
}

impl Preview<'_> {
    fn pixel(
        &self,
        fit: &Fit,
        boxes: &[(DisplayBox, [u8; 3])],
        dx: u16,
        dy: u16,
    ) -> Option<[u8; 3]> {
        // Later overlays win: the daemon's finding is drawn over the guide.
        for (b, rgb) in boxes.iter().rev() {
            if on_outline(*b, i32::from(dx), i32::from(dy)) {
                return Some(*rgb);
            }
        }
        fit.source(dx, dy).map(|(x, y)| self.frame.pixel(x, y))
    }

    fn render_colour(&self, fit: &Fit, area: Rect, buf: &mut Buffer) {
        let boxes: Vec<_> = self
            .overlays
            .iter()
            .map(|o| (fit.display_box(o.rect), o.rgb))
            .collect();
        for row in 0..area.height {
            for col in 0..area.width {
                let top = self.pixel(fit, &boxes, col, row * 2);
                let bottom = self.pixel(fit, &boxes, col, row * 2 + 1);
                let Some(cell) = buf.cell_mut((area.x + col, area.y + row)) else {
                    continue;
                };
                let rgb = |p: [u8; 3]| self.theme.pixel(p);
                match (top, bottom) {
                    (None, None) => {}
                    (t, b) => {
                        cell.set_char('▀');
                        cell.set_style(
                            Style::default()
                                .fg(t.map_or(Color::Reset, rgb))
                                .bg(b.map_or(Color::Reset, rgb)),
                        );
                    }
                }
            }
        }
    }

    fn render_mono(&self, fit: &Fit, area: Rect, buf: &mut Buffer) {
        for row in 0..area.height {
            for col in 0..area.width {
                let samples: Vec<u32> = [row * 2, row * 2 + 1]
                    .iter()
                    .filter_map(|&dy| fit.source(col, dy))
                    .map(|(x, y)| luma(self.frame.pixel(x, y)))
                    .collect();
                if samples.is_empty() {
                    continue;
                }
                let l = samples.iter().sum::<u32>() / samples.len() as u32;
                let idx = (l as usize * (RAMP.len() - 1)) / 255;
                if let Some(cell) = buf.cell_mut((area.x + col, area.y + row)) {
                    cell.set_char(RAMP.get(idx).copied().unwrap_or('@'));
                }
            }
        }
        for o in &self.overlays {
            let (x0, y0, x1, y1) = fit.display_box(o.rect);
            // Display pixels to cells: columns are 1:1, rows are halved.
            let (c0, c1, r0, r1) = (x0, x1, y0 / 2, y1 / 2);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let ch = match (c == c0, c == c1, r == r0, r == r1) {
                        (true, _, true, _) => '┌',
                        (_, true, true, _) => '┐',
                        (true, _, _, true) => '└',
                        (_, true, _, true) => '┘',
                        (_, _, true, _) | (_, _, _, true) => '─',
                        (true, _, _, _) | (_, true, _, _) => '│',
                        _ => continue,
                    };
                    let (Ok(c), Ok(r)) = (u16::try_from(c), u16::try_from(r)) else {
                        continue;
                    };
                    if c < area.width
                        && r < area.height
                        && let Some(cell) = buf.cell_mut((area.x + c, area.y + r))
                    {
                        cell.set_char(ch);
                    }
                }
            }
        }
    }
}

impl Widget for Preview<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(fit) = Fit::new(self.frame, area) else {
            return;
        };
        if self.theme.mono {
            self.render_mono(&fit, area, buf);
        } else {
            self.render_colour(&fit, area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Step;

    fn render(f: &PreviewFrame, area: Rect, overlays: Vec<Overlay>, theme: Theme) -> Buffer {
        let mut buf = Buffer::empty(area);
        Preview {
            frame: f,
            overlays,
            theme,
        }
        .render(area, &mut buf);
        buf
    }

    fn green_outline(x: i32, y: i32, w: i32, h: i32) -> Vec<Overlay> {
        vec![Overlay {
            rect: PixelBox { x, y, w, h },
            rgb: [0, 255, 0],
        }]
    }

    fn frame(w: u32, h: u32, rgb: [u8; 3]) -> PreviewFrame {
        let px: Vec<u8> = (0..w * h).flat_map(|_| rgb).collect();
        PreviewFrame::new(Step::Face, w, h, px, vec![]).expect("frame")
    }

    #[test]
    fn each_cell_carries_two_pixels() {
        // A 2x4 frame: top half red, bottom half blue, in a 2x2 area: one pixel per half-cell.
        let mut px = Vec::new();
        for y in 0..4 {
            for _ in 0..2 {
                px.extend(if y < 2 { [255, 0, 0] } else { [0, 0, 255] });
            }
        }
        let f = PreviewFrame::new(Step::Face, 2, 4, px, vec![]).expect("frame");
        let area = Rect::new(0, 0, 2, 2);
        let buf = render(&f, area, vec![], Theme::COLOUR);
        let top = &buf[(0, 0)];
        assert_eq!(top.symbol(), "▀");
        assert_eq!(top.fg, Color::Rgb(255, 0, 0));
        assert_eq!(top.bg, Color::Rgb(255, 0, 0));
        let bottom = &buf[(1, 1)];
        assert_eq!(
            (bottom.fg, bottom.bg),
            (Color::Rgb(0, 0, 255), Color::Rgb(0, 0, 255))
        );
    }

    #[test]
    fn a_wide_frame_is_centred_with_its_aspect_kept() {
        let f = frame(40, 10, [255, 255, 255]);
        let area = Rect::new(0, 0, 20, 10);
        let buf = render(&f, area, vec![], Theme::COLOUR);
        // 40x10 into 20x20 display pixels: scale 0.5 -> 20x5 pixels, rows 7..12 -> cells 3..6.
        assert_eq!(buf[(0, 0)].symbol(), " ");
        assert_eq!(buf[(0, 4)].symbol(), "▀");
        assert_eq!(buf[(0, 9)].symbol(), " ");
    }

    #[test]
    fn overlays_outline_their_box() {
        let f = frame(10, 10, [0, 0, 0]);
        let area = Rect::new(0, 0, 10, 5);
        let buf = render(&f, area, green_outline(2, 2, 4, 4), Theme::COLOUR);
        assert_eq!(buf[(2, 1)].fg, Color::Rgb(0, 255, 0), "top-left corner");
        assert_eq!(
            buf[(4, 2)].fg,
            Color::Rgb(0, 0, 0),
            "inside stays the picture"
        );
    }

    #[test]
    fn without_truecolor_the_palette_is_used() {
        let f = frame(2, 2, [255, 0, 0]);
        let area = Rect::new(0, 0, 2, 1);
        let buf = render(&f, area, vec![], Theme::COLOUR_256);
        assert_eq!(buf[(0, 0)].fg, Color::Indexed(196));
    }

    #[test]
    fn mono_uses_characters_not_colours() {
        let f = frame(10, 10, [255, 255, 255]);
        let area = Rect::new(0, 0, 10, 5);
        let buf = render(&f, area, green_outline(0, 0, 10, 10), Theme::MONO);
        assert_eq!(buf[(0, 0)].symbol(), "┌");
        assert_eq!(buf[(5, 2)].symbol(), "@");
        assert!(
            buf.content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
        );
    }
}
