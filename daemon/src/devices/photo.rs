//! The chip photo between the chip and face steps, bound to the chip read that decoded it.
//!
//! A chip job whose run was stopped (cancel, a new session, the claim ended) may still be inside
//! its last device call; when it returns, it must not fill the slot a later session reads. So the
//! slot is opened for one run when the read starts and only that run may put its photo there;
//! clearing closes it. The check and the write happen under one lock.

use std::sync::Mutex;

use idgate_emrtd::lds::image::RgbImage;
use idgate_flow::RunId;

#[derive(Debug, Default)]
pub struct PhotoSlot {
    inner: Mutex<Slot>,
}

#[derive(Debug, Default)]
struct Slot {
    /// The chip read allowed to put its photo here.
    open_for: Option<RunId>,
    photo: Option<RgbImage>,
}

impl PhotoSlot {
    /// Empties the slot and lets only `run` fill it.
    pub fn open(&self, run: RunId) {
        if let Ok(mut s) = self.inner.lock() {
            s.open_for = Some(run);
            s.photo = None;
        }
    }

    /// Stores the photo of `run`; a stale run's photo is dropped (its pixels are zeroized on drop)
    /// and `false` returned.
    pub fn put(&self, run: RunId, photo: RgbImage) -> bool {
        match self.inner.lock() {
            Ok(mut s) if s.open_for == Some(run) => {
                s.photo = Some(photo);
                true
            }
            _ => false,
        }
    }

    /// A copy of the photo for the face step.
    pub fn copy(&self) -> Option<image::RgbImage> {
        let s = self.inner.lock().ok()?;
        let p = s.photo.as_ref()?;
        image::RgbImage::from_raw(p.width, p.height, p.pixels.to_vec())
    }

    /// Drops the photo and closes the slot to every run.
    pub fn clear(&self) {
        if let Ok(mut s) = self.inner.lock() {
            s.open_for = None;
            s.photo = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> RgbImage {
        RgbImage {
            width: 2,
            height: 1,
            pixels: zeroize::Zeroizing::new(vec![1, 2, 3, 4, 5, 6]),
        }
    }

    #[test]
    fn a_stopped_chip_read_cannot_fill_the_slot_after_it_was_cleared() {
        let slot = PhotoSlot::default();
        slot.open(RunId(1));
        // The session ends while run 1 is still inside its last transmit.
        slot.clear();
        assert!(!slot.put(RunId(1), photo()));
        assert!(slot.copy().is_none());
    }

    #[test]
    fn only_the_current_read_fills_the_slot() {
        let slot = PhotoSlot::default();
        slot.open(RunId(1));
        slot.open(RunId(2));
        assert!(!slot.put(RunId(1), photo()), "the earlier read is stale");
        assert!(slot.copy().is_none());
        assert!(slot.put(RunId(2), photo()));
        assert_eq!(slot.copy().map(|p| p.dimensions()), Some((2, 1)));
        slot.clear();
        assert!(slot.copy().is_none());
    }
}
