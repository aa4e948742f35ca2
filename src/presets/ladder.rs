//! Ladder geometry: which rungs a source can feed and at what size, from display sizes alone.
//! Rungs are compared by their short side (a "720p" rung is 720 on its short side, landscape or
//! portrait), take the source's orientation and display aspect, and have even sides.

/// A picture size in pixels, as displayed (pixel aspect and rotation applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    pub width_px: u32,
    pub height_px: u32,
}

impl Size {
    pub fn new(width_px: u32, height_px: u32) -> Self {
        Size {
            width_px,
            height_px,
        }
    }

    pub fn short(self) -> u32 {
        self.width_px.min(self.height_px)
    }

    pub fn long(self) -> u32 {
        self.width_px.max(self.height_px)
    }

    fn portrait(self) -> bool {
        self.height_px > self.width_px
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.width_px, self.height_px)
    }
}

/// The short side a template rung asks for. Both sides given: the smaller. Only `Height`: the
/// height (the "p" number, as ladders are named). Only `Width`: the short side a source of this
/// aspect has at that width. Neither: None (the rung takes the source's size).
pub(crate) fn rung_short_side(
    width: Option<u32>,
    height: Option<u32>,
    source: Size,
) -> Option<u32> {
    match (width, height) {
        (Some(w), Some(h)) => Some(w.min(h)),
        (None, Some(h)) => Some(h),
        (Some(w), None) if source.long() > 0 => Some(
            (f64::from(w) * f64::from(source.short()) / f64::from(source.long())).round() as u32,
        ),
        _ => None,
    }
}

/// The rung of short side `short_px` for this source: the source's orientation and aspect, even
/// sides, never larger than the source.
pub(crate) fn fit(short_px: u32, source: Size) -> Size {
    let short = floor_even(short_px.min(source.short()));
    let long = if source.short() == 0 {
        short
    } else {
        let exact = f64::from(short) * f64::from(source.long()) / f64::from(source.short());
        round_even(exact).min(floor_even(source.long())).max(short)
    };
    if source.portrait() {
        Size::new(short, long)
    } else {
        Size::new(long, short)
    }
}

fn floor_even(n: u32) -> u32 {
    n - n % 2
}

fn round_even(x: f64) -> u32 {
    ((x / 2.0).round() * 2.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rungs_follow_the_source_aspect_and_orientation() {
        let hd = Size::new(1920, 1080);
        assert_eq!(fit(720, hd), Size::new(1280, 720));
        assert_eq!(fit(720, Size::new(1080, 1920)), Size::new(720, 1280));
        assert_eq!(fit(360, Size::new(853, 481)), Size::new(638, 360));
        assert_eq!(fit(360, Size::new(640, 480)), Size::new(480, 360));
        // Never above the source, always even.
        assert_eq!(fit(1080, Size::new(853, 481)), Size::new(852, 480));
        assert_eq!(fit(240, Size::new(320, 240)), Size::new(320, 240));
        assert_eq!(fit(100, Size::new(100, 100)), Size::new(100, 100));
    }

    #[test]
    fn short_side_of_a_rung() {
        let hd = Size::new(1920, 1080);
        assert_eq!(rung_short_side(Some(1280), Some(720), hd), Some(720));
        assert_eq!(rung_short_side(Some(720), Some(1280), hd), Some(720));
        assert_eq!(rung_short_side(None, Some(540), hd), Some(540));
        assert_eq!(rung_short_side(Some(1280), None, hd), Some(720));
        assert_eq!(rung_short_side(None, None, hd), None);
    }
}
