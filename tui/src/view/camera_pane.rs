//! The camera pane of the code and face steps: the latest preview with the step's guide under the
//! boxes the daemon found, or a waiting line until the first frame comes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::preview::{Overlay, Preview, fraction_box};
use crate::app::App;
use crate::i18n::Phrase;
use crate::theme::Theme;

/// A box as fractions of the frame: x0, y0, x1, y1.
pub type Guide = [f32; 4];

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: Theme,
    guide: Option<Guide>,
    waiting: Phrase,
) {
    match &app.preview {
        Some(f) => {
            let guide = guide.map(|[x0, y0, x1, y1]| Overlay {
                rect: fraction_box(f, x0, y0, x1, y1),
                rgb: theme.guide_colour(),
            });
            let found = f.boxes.iter().map(|&rect| Overlay {
                rect,
                rgb: theme.found_colour(),
            });
            frame.render_widget(
                Preview {
                    frame: f,
                    overlays: guide.into_iter().chain(found).collect(),
                    theme,
                },
                area,
            );
        }
        None => frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{} {}", super::spinner(app), waiting.get(app.lang)),
                theme.muted(),
            ))
            .centered(),
            Rect {
                y: area.y + area.height / 2,
                height: 1.min(area.height),
                ..area
            },
        ),
    }
}
