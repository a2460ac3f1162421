//! Justified layout: rows of items at their own aspect ratios, each row scaled so that it
//! fills the viewport width exactly (the layout of Flickr and Google Photos).
//!
//! Row breaking is greedy in one pass: items are added to a row while the row, at the target
//! height, is narrower than the viewport. When the next item makes it reach the width, the
//! row is closed either with that item (its height then drops below the target) or without
//! it (its height rises above the target), whichever height is closer to the target. The
//! row is then scaled to fill the width exactly. The last row of each section is not
//! stretched: it keeps the target height and is left-aligned. A row closed early may grow
//! to at most [`MAX_ROW_GROWTH`] times the target height.
//!
//! Sections (first item index of each) start on a new row below a header of
//! `header_height` pixels. Every item row occupies its height plus `spacing` below it, a
//! header exactly its height; the content height is the sum.
//!
//! Storage is compact and flat: per item an `f32` x and width (8 bytes), per row its first
//! item (`u32`), top (`f64`, exact at millions of pixels) and height (`f32`). Lookups are
//! binary searches over rows. A width change ([`JustifiedLayout::set_width`]) keeps the
//! normalised aspect ratios, the normalised sections and every buffer's allocation, and
//! recomputes the rows in one pass over the ratios.

use crate::error::{Error, Result};
use crate::layout::grid::{normalize_starts, partition_point_n};

/// Smallest and largest aspect ratio accepted; others are clamped, and non-finite or
/// non-positive ratios become 1.0 (a square placeholder).
pub const MIN_RATIO: f32 = 1e-3;
pub const MAX_RATIO: f32 = 1e3;

/// Clamp one aspect ratio into the accepted range.
pub fn normalize_ratio(r: f64) -> f32 {
    if r.is_finite() && r > 0.0 {
        (r as f32).clamp(MIN_RATIO, MAX_RATIO)
    } else {
        1.0
    }
}

/// A row closed early (without the item that overflowed it) may grow at most this much above
/// the target height; otherwise it takes the item and shrinks instead.
pub const MAX_ROW_GROWTH: f64 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub width: f64,
    pub target_height: f64,
    pub spacing: f64,
    pub header_height: f64,
}

impl Params {
    /// An [`Error::InvalidArgument`] unless width and target height are positive and finite
    /// and spacing and header height finite and non-negative.
    pub fn check(&self) -> Result<()> {
        if !(self.width.is_finite() && self.width > 0.0) {
            return Err(Error::invalid("viewport_width must be positive"));
        }
        if !(self.target_height.is_finite() && self.target_height > 0.0) {
            return Err(Error::invalid("target_row_height must be positive"));
        }
        if !(self.spacing.is_finite() && self.spacing >= 0.0) {
            return Err(Error::invalid("spacing must be >= 0"));
        }
        if !(self.header_height.is_finite() && self.header_height >= 0.0) {
            return Err(Error::invalid("header_height must be >= 0"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct JustifiedLayout {
    ratios: Vec<f32>,
    requested: Vec<usize>,
    starts: Vec<usize>,
    params: Params,
    item_x: Vec<f32>,
    item_w: Vec<f32>,
    row_first: Vec<u32>,
    row_y: Vec<f64>,
    row_h: Vec<f32>,
    /// Top of each section's header, plus the content height at the end.
    section_top: Vec<f64>,
}

impl JustifiedLayout {
    /// Lay out `ratios` (already normalised with [`normalize_ratio`]). `params.width` and
    /// `params.target_height` must be positive and finite, spacing and header height
    /// non-negative (checked by the caller). `sections` are first item indices; empty means
    /// one section without a header.
    pub fn new(ratios: Vec<f32>, sections: Vec<usize>, params: Params) -> Self {
        let header = if sections.is_empty() {
            0.0
        } else {
            params.header_height
        };
        let starts = normalize_starts(&sections, ratios.len());
        let mut layout = Self {
            ratios,
            requested: sections,
            starts,
            params: Params {
                header_height: header,
                ..params
            },
            item_x: Vec::new(),
            item_w: Vec::new(),
            row_first: Vec::new(),
            row_y: Vec::new(),
            row_h: Vec::new(),
            section_top: Vec::new(),
        };
        layout.relayout();
        layout
    }

    pub fn len(&self) -> usize {
        self.ratios.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ratios.is_empty()
    }
    pub fn params(&self) -> Params {
        self.params
    }
    pub fn row_count(&self) -> usize {
        self.row_first.len()
    }
    pub fn section_starts(&self) -> &[usize] {
        &self.starts
    }
    pub fn ratios(&self) -> &[f32] {
        &self.ratios
    }
    pub fn content_height(&self) -> f64 {
        if self.ratios.is_empty() {
            0.0
        } else {
            self.section_top[self.section_top.len() - 1]
        }
    }

    /// Change the viewport width; returns false (and does nothing) if it is unchanged.
    pub fn set_width(&mut self, width: f64) -> bool {
        if (width - self.params.width).abs() < f64::EPSILON {
            return false;
        }
        self.params.width = width;
        self.relayout();
        true
    }

    /// Change the target row height, spacing and/or header height and relayout.
    pub fn set_geometry(&mut self, target_height: f64, spacing: f64, header_height: f64) {
        self.params.target_height = target_height;
        self.params.spacing = spacing;
        self.params.header_height = if self.requested.is_empty() {
            0.0
        } else {
            header_height
        };
        self.relayout();
    }

    /// Replace the sections (aspect ratios are kept) and relayout.
    pub fn set_sections(&mut self, sections: Vec<usize>, header_height: f64) {
        self.params.header_height = if sections.is_empty() {
            0.0
        } else {
            header_height
        };
        self.starts = normalize_starts(&sections, self.ratios.len());
        self.requested = sections;
        self.relayout();
    }

    /// Recompute every row in one pass, reusing the buffers' allocations.
    fn relayout(&mut self) {
        let count = self.ratios.len();
        self.item_x.resize(count, 0.0);
        self.item_w.resize(count, 0.0);
        self.row_first.clear();
        self.row_y.clear();
        self.row_h.clear();
        self.section_top.clear();
        let params = self.params;
        let mut top = 0.0f64;
        for section in 0..self.starts.len() {
            let begin = self.starts[section];
            let end = self.starts.get(section + 1).copied().unwrap_or(count);
            self.section_top.push(top);
            if begin == end {
                continue;
            }
            top += params.header_height;
            let mut first = begin;
            while first < end {
                let (len, height, stretched) = break_row(&self.ratios[first..end], &params);
                let row_end = first + len;
                let mut left = 0.0f64;
                for item in first..row_end {
                    let width = f64::from(self.ratios[item]) * height;
                    self.item_x[item] = left as f32;
                    self.item_w[item] = width as f32;
                    left += width + params.spacing;
                }
                if stretched {
                    // absorb rounding: the row's right edge is exactly the width
                    let last = row_end - 1;
                    let rest = params.width - f64::from(self.item_x[last]);
                    self.item_w[last] = rest.max(0.0) as f32;
                }
                self.row_first.push(first as u32);
                self.row_y.push(top);
                self.row_h.push(height as f32);
                top += f64::from(height as f32) + params.spacing;
                first = row_end;
            }
        }
        self.section_top.push(top);
    }

    fn row_bottom(&self, r: usize) -> f64 {
        self.row_y[r] + f64::from(self.row_h[r])
    }

    fn row_end(&self, r: usize) -> usize {
        self.row_first
            .get(r + 1)
            .map_or(self.ratios.len(), |&f| f as usize)
    }

    /// `(first, last_exclusive)` of the items whose rectangle intersects
    /// `[scroll_y, scroll_y + viewport_height)`; `(i, i)` when none does.
    pub fn visible_range(&self, scroll_y: f64, viewport_height: f64) -> (usize, usize) {
        let rows = self.row_first.len();
        let n = self.ratios.len();
        let r0 = partition_point_n(rows, |r| self.row_bottom(r) <= scroll_y);
        let first = if r0 == rows {
            n
        } else {
            self.row_first[r0] as usize
        };
        if viewport_height <= 0.0 {
            return (first, first);
        }
        let bottom = scroll_y + viewport_height;
        let r1 = partition_point_n(rows, |r| self.row_y[r] < bottom);
        let last = if r1 == rows {
            n
        } else {
            self.row_first[r1] as usize
        };
        (first, last.max(first))
    }

    /// Row containing item `index` (which must be `< len()`).
    pub fn row_of(&self, index: usize) -> usize {
        self.row_first.partition_point(|&f| f as usize <= index) - 1
    }

    /// `(x, y, w, h)` of item `index`, or None past the end.
    pub fn item_rect(&self, index: usize) -> Option<(f64, f64, f64, f64)> {
        if index >= self.ratios.len() {
            return None;
        }
        let r = self.row_of(index);
        Some((
            f64::from(self.item_x[index]),
            self.row_y[r],
            f64::from(self.item_w[index]),
            f64::from(self.row_h[r]),
        ))
    }

    /// Index of the item under `(x, y)` (content coordinates), if any.
    pub fn index_at(&self, x: f64, y: f64) -> Option<usize> {
        if x.is_nan() || y.is_nan() || x < 0.0 || y < 0.0 {
            return None;
        }
        let rows = self.row_first.len();
        let below = partition_point_n(rows, |row| self.row_y[row] <= y);
        if below == 0 {
            return None;
        }
        let row = below - 1;
        if y >= self.row_bottom(row) {
            return None;
        }
        let (first, end) = (self.row_first[row] as usize, self.row_end(row));
        let after = first + self.item_x[first..end].partition_point(|&ix| f64::from(ix) <= x);
        if after == first {
            return None;
        }
        let item = after - 1;
        (x < f64::from(self.item_x[item]) + f64::from(self.item_w[item])).then_some(item)
    }

    pub fn section_count(&self) -> usize {
        self.starts.len()
    }

    /// Section containing item `index`.
    pub fn section_of(&self, index: usize) -> usize {
        self.starts.partition_point(|&s| s <= index) - 1
    }

    /// `(x, y, w, h)` of the header of `section`, or None.
    pub fn header_rect(&self, section: usize) -> Option<(f64, f64, f64, f64)> {
        if section >= self.starts.len() || self.ratios.is_empty() {
            return None;
        }
        Some((
            0.0,
            self.section_top[section],
            self.params.width,
            self.params.header_height,
        ))
    }

    /// `(first, last_exclusive)` of the sections whose extent intersects the viewport.
    pub fn visible_sections(&self, scroll_y: f64, viewport_height: f64) -> (usize, usize) {
        if self.ratios.is_empty() {
            return (0, 0);
        }
        let n = self.starts.len();
        let first = partition_point_n(n, |k| self.section_top[k + 1] <= scroll_y);
        if viewport_height <= 0.0 {
            return (first, first);
        }
        let bottom = scroll_y + viewport_height;
        let last = partition_point_n(n, |k| self.section_top[k] < bottom);
        (first, last.max(first))
    }
}

/// Decide where the row starting at `ratios[0]` ends: `(item count, row height, stretched)`.
fn break_row(ratios: &[f32], p: &Params) -> (usize, f64, bool) {
    let (w, target, s) = (p.width, p.target_height, p.spacing);
    let mut sum = 0.0f64;
    for (j, &r) in ratios.iter().enumerate() {
        let new_sum = sum + f64::from(r);
        let n = (j + 1) as f64;
        if new_sum * target + s * (n - 1.0) >= w {
            let h_with = (w - s * (n - 1.0)) / new_sum;
            if j > 0 {
                let h_without = (w - s * (n - 2.0)) / sum;
                let closer = (h_without - target) < (target - h_with);
                if h_with <= 0.0 || (closer && h_without <= target * MAX_ROW_GROWTH) {
                    return (j, h_without, true);
                }
            }
            return (j + 1, h_with, true);
        }
        sum = new_sum;
    }
    (ratios.len(), target, false)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact layouts on exact inputs
mod tests {
    use super::*;

    fn params(width: f64) -> Params {
        Params {
            width,
            target_height: 100.0,
            spacing: 0.0,
            header_height: 20.0,
        }
    }

    #[test]
    fn rows_fill_the_width_and_last_row_is_not_stretched() {
        let l = JustifiedLayout::new(vec![1.0, 1.0, 1.0, 1.0, 1.0], vec![], params(300.0));
        // three squares fill 300 at exactly 100 high; the last two stay at the target
        assert_eq!(l.row_count(), 2);
        assert_eq!(l.item_rect(2), Some((200.0, 0.0, 100.0, 100.0)));
        assert_eq!(l.item_rect(4), Some((100.0, 100.0, 100.0, 100.0)));
        assert!((l.content_height() - 200.0).abs() < 1e-9);
        assert_eq!(l.index_at(150.0, 150.0), Some(4));
        assert_eq!(l.index_at(250.0, 150.0), None);
        assert_eq!(l.visible_range(99.0, 2.0), (0, 5));
        assert_eq!(l.visible_range(100.0, 2.0), (3, 5));
    }

    #[test]
    fn sections_start_new_rows_under_headers() {
        let mut l = JustifiedLayout::new(vec![1.0; 4], vec![2], params(300.0));
        assert_eq!(l.section_count(), 2);
        assert_eq!(l.item_rect(2), Some((0.0, 140.0, 100.0, 100.0)));
        assert_eq!(l.header_rect(1), Some((0.0, 120.0, 300.0, 20.0)));
        assert_eq!(l.index_at(10.0, 125.0), None);
        assert!(l.set_width(200.0));
        assert!(!l.set_width(200.0));
        assert_eq!(l.row_count(), 2);
        assert_eq!(l.item_rect(3), Some((100.0, 140.0, 100.0, 100.0)));
    }

    #[test]
    fn bad_ratios_become_squares() {
        assert!((normalize_ratio(f64::NAN) - 1.0).abs() < f32::EPSILON);
        assert!((normalize_ratio(-2.0) - 1.0).abs() < f32::EPSILON);
        assert!((normalize_ratio(1e9) - MAX_RATIO).abs() < f32::EPSILON);
    }
}
