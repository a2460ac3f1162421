//! Uniform grid layout math (the plan's `VirtualAssetGrid`), with optional section headers.
//!
//! Every item is `item_width` × `item_height` and sits on a grid of pitch
//! `item_width + spacing` by `item_height + spacing`. Columns are
//! `max(1, viewport_width // (item_width + spacing))`; item `i` of a section sits at column
//! `i % cols` and row `i // cols` of that section. Without sections the whole grid is one
//! section with no header, so item `i` is at `(col * (w + s), row * (h + s))` and the content
//! height is `rows * (h + s)`, exactly the plan's numbers.
//!
//! Sections are given as the index of the first item of each section; each section starts on
//! a new row below a header row of `header_height` pixels (the header takes exactly its
//! height, no spacing is added after it). A section's height is
//! `header_height + rows * (h + s)`.
//!
//! A "visible range" is the half-open range of item indices whose rectangle intersects the
//! viewport `[scroll_y, scroll_y + viewport_height)` vertically: exactly those, no buffer
//! rows. Because rows grow downwards with the index, that set is always contiguous.

use crate::error::{Error, Result};

/// Normalise requested section starts against an item count: keep those below `count`,
/// sort, drop duplicates, and make sure the first section starts at item 0.
pub fn normalize_starts(requested: &[usize], count: usize) -> Vec<usize> {
    let mut starts: Vec<usize> = requested.iter().copied().filter(|&s| s < count).collect();
    starts.push(0);
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// Number of columns for a viewport width and a horizontal pitch (`max(1, vw // pitch)`).
/// A non-finite or negative width gives one column; the result is capped so that index
/// arithmetic cannot overflow.
pub fn columns_for(viewport_width: f64, pitch: f64) -> usize {
    let c = (viewport_width / pitch).floor();
    if c >= 1.0 {
        c.min(1e9) as usize
    } else {
        1
    }
}

/// Headless uniform grid: item geometry plus the item count and optional sections.
#[derive(Debug, Clone)]
pub struct UniformGrid {
    item_width: f64,
    item_height: f64,
    spacing: f64,
    count: usize,
    /// Section starts as the caller gave them (kept so a later count change re-applies them).
    requested: Vec<usize>,
    /// Header height; 0 when no sections are set.
    header: f64,
    /// Normalised section starts: never empty, `starts[0] == 0`.
    starts: Vec<usize>,
    /// Column count `tops` was computed for (0 means stale).
    cached_cols: usize,
    /// Top of each section for `cached_cols` columns, plus the content height at the end.
    tops: Vec<f64>,
}

impl UniformGrid {
    /// [`UniformGrid::new`] from signed sizes (as Python passes them): an
    /// [`Error::InvalidArgument`] unless the sizes are at least 1 and the spacing at least 0.
    pub fn checked(item_width: i64, item_height: i64, spacing: i64) -> Result<Self> {
        let size = |name: &str, v: i64, min: i64| {
            u32::try_from(v)
                .ok()
                .filter(|&v| i64::from(v) >= min)
                .ok_or_else(|| Error::invalid(format!("{name} must be >= {min}, got {v}")))
        };
        Ok(Self::new(
            size("item_width", item_width, 1)?,
            size("item_height", item_height, 1)?,
            size("spacing", spacing, 0)?,
        ))
    }

    /// A grid of `item_width` × `item_height` items `spacing` apart. Sizes must be positive
    /// and spacing non-negative (see [`UniformGrid::checked`]).
    pub fn new(item_width: u32, item_height: u32, spacing: u32) -> Self {
        Self {
            item_width: f64::from(item_width),
            item_height: f64::from(item_height),
            spacing: f64::from(spacing),
            count: 0,
            requested: Vec::new(),
            header: 0.0,
            starts: vec![0],
            cached_cols: 0,
            tops: Vec::new(),
        }
    }

    pub fn item_width(&self) -> f64 {
        self.item_width
    }
    pub fn item_height(&self) -> f64 {
        self.item_height
    }
    pub fn spacing(&self) -> f64 {
        self.spacing
    }
    pub fn total_count(&self) -> usize {
        self.count
    }
    pub fn header_height(&self) -> f64 {
        self.header
    }
    /// Normalised section starts (`[0]` when no sections are set).
    pub fn section_starts(&self) -> &[usize] {
        &self.starts
    }
    pub fn has_sections(&self) -> bool {
        !self.requested.is_empty()
    }

    pub fn set_total_count(&mut self, count: usize) {
        if count != self.count {
            self.count = count;
            self.starts = normalize_starts(&self.requested, count);
            self.cached_cols = 0;
        }
    }

    /// Set the sections (first item index of each) and the header height. An empty list
    /// removes the sections (and their headers).
    pub fn set_sections(&mut self, starts: Vec<usize>, header_height: f64) {
        self.header = if starts.is_empty() {
            0.0
        } else {
            header_height
        };
        self.requested = starts;
        self.starts = normalize_starts(&self.requested, self.count);
        self.cached_cols = 0;
    }

    pub fn columns(&self, viewport_width: f64) -> usize {
        columns_for(viewport_width, self.item_width + self.spacing)
    }

    fn pitch_y(&self) -> f64 {
        self.item_height + self.spacing
    }

    fn section_end(&self, k: usize) -> usize {
        self.starts.get(k + 1).copied().unwrap_or(self.count)
    }

    /// The column count for a viewport width, with the section tops computed for it (cached
    /// until the width's column count, the count or the sections change).
    fn layout(&mut self, viewport_width: f64) -> usize {
        let cols = self.columns(viewport_width);
        if cols == self.cached_cols {
            return cols;
        }
        self.tops.clear();
        let mut y = 0.0;
        for k in 0..self.starts.len() {
            self.tops.push(y);
            let n = self.section_end(k) - self.starts[k];
            if n > 0 {
                let rows = n.div_ceil(cols);
                y += self.header + rows as f64 * self.pitch_y();
            }
        }
        self.tops.push(y);
        self.cached_cols = cols;
        cols
    }

    /// Total scrollable height for a viewport width (0 for an empty grid).
    pub fn content_height(&mut self, viewport_width: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.layout(viewport_width);
        self.tops[self.tops.len() - 1]
    }

    /// Smallest index whose bottom edge lies below `top` (or the count).
    fn first_ending_after(&self, top: f64, cols: usize) -> usize {
        let s_count = self.starts.len();
        let (h, s, pitch) = (self.item_height, self.spacing, self.pitch_y());
        // last row bottom of section k is tops[k + 1] - s
        let k = partition_point_n(s_count, |k| self.tops[k + 1] - s <= top);
        if k == s_count {
            return self.count;
        }
        let base = self.tops[k] + self.header;
        let r = ((top - base - h) / pitch).floor() + 1.0;
        let r = if r > 0.0 { r as usize } else { 0 };
        (self.starts[k] + r * cols).min(self.section_end(k))
    }

    /// Smallest index whose top edge lies at or below `bottom` (or the count).
    fn first_starting_at_or_after(&self, bottom: f64, cols: usize) -> usize {
        let s_count = self.starts.len();
        let (h, s, pitch) = (self.item_height, self.spacing, self.pitch_y());
        // last row top of section k is tops[k + 1] - s - h
        let k = partition_point_n(s_count, |k| self.tops[k + 1] - s - h < bottom);
        if k == s_count {
            return self.count;
        }
        let base = self.tops[k] + self.header;
        let r = ((bottom - base) / pitch).ceil();
        let r = if r > 0.0 { r as usize } else { 0 };
        (self.starts[k] + r * cols).min(self.section_end(k))
    }

    /// `(first, last_exclusive)` of the items intersecting the viewport vertically. An empty
    /// grid gives `(0, 0)`; an empty intersection gives `(i, i)`; `last` never exceeds the count.
    pub fn visible_range(
        &mut self,
        scroll_y: f64,
        viewport_width: f64,
        viewport_height: f64,
    ) -> (usize, usize) {
        if self.count == 0 {
            return (0, 0);
        }
        let cols = self.layout(viewport_width);
        let first = self.first_ending_after(scroll_y, cols);
        if viewport_height <= 0.0 {
            return (first, first);
        }
        let last = self.first_starting_at_or_after(scroll_y + viewport_height, cols);
        (first, last.max(first))
    }

    /// Section containing item `index` (the last section for indices past the end).
    pub fn section_of(&self, index: usize) -> usize {
        self.starts.partition_point(|&s| s <= index) - 1
    }

    /// `(x, y, w, h)` of item `index`. Indices past the count get the place they would have.
    pub fn item_rect(&mut self, index: usize, viewport_width: f64) -> (f64, f64, f64, f64) {
        let cols = self.layout(viewport_width);
        let k = self.section_of(index);
        let local = index - self.starts[k];
        let (row, col) = (local / cols, local % cols);
        let x = col as f64 * (self.item_width + self.spacing);
        let y = self.tops[k] + self.header + row as f64 * self.pitch_y();
        (x, y, self.item_width, self.item_height)
    }

    /// `(x, y, w, h)` of the header of `section` (spanning the viewport width), or None.
    pub fn header_rect(
        &mut self,
        section: usize,
        viewport_width: f64,
    ) -> Option<(f64, f64, f64, f64)> {
        if section >= self.starts.len() || self.count == 0 {
            return None;
        }
        self.layout(viewport_width);
        Some((
            0.0,
            self.tops[section],
            viewport_width.max(0.0),
            self.header,
        ))
    }

    /// `(first, last_exclusive)` of the sections whose extent (header and rows) intersects
    /// the viewport.
    pub fn visible_sections(
        &mut self,
        scroll_y: f64,
        viewport_width: f64,
        viewport_height: f64,
    ) -> (usize, usize) {
        if self.count == 0 {
            return (0, 0);
        }
        self.layout(viewport_width);
        let n = self.starts.len();
        let first = partition_point_n(n, |k| self.tops[k + 1] <= scroll_y);
        if viewport_height <= 0.0 {
            return (first, first);
        }
        let bottom = scroll_y + viewport_height;
        let last = partition_point_n(n, |k| self.tops[k] < bottom);
        (first, last.max(first))
    }

    /// Index of the item under the point `(x, y)` in content coordinates, if any (a point in
    /// the spacing, in a header or past the end hits nothing).
    pub fn index_at(&mut self, x: f64, y: f64, viewport_width: f64) -> Option<usize> {
        if self.count == 0 || x.is_nan() || y.is_nan() || x < 0.0 || y < 0.0 {
            return None;
        }
        let cols = self.layout(viewport_width);
        let pitch_x = self.item_width + self.spacing;
        let col = (x / pitch_x).floor();
        if col >= cols as f64 || x - col * pitch_x >= self.item_width {
            return None;
        }
        let n = self.starts.len();
        if y >= self.tops[n] {
            return None;
        }
        let k = partition_point_n(n, |k| self.tops[k] <= y) - 1;
        let ly = y - self.tops[k] - self.header;
        if ly < 0.0 {
            return None;
        }
        let row = (ly / self.pitch_y()).floor();
        if ly - row * self.pitch_y() >= self.item_height {
            return None;
        }
        let index = self.starts[k] + row as usize * cols + col as usize;
        (index < self.section_end(k)).then_some(index)
    }
}

/// First `i` in `0..n` for which `pred(i)` is false, given `pred` is true then false.
pub fn partition_point_n(n: usize, mut pred: impl FnMut(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact layouts on exact inputs
mod tests {
    use super::*;

    fn grid(count: usize) -> UniformGrid {
        let mut g = UniformGrid::new(200, 200, 4);
        g.set_total_count(count);
        g
    }

    #[test]
    fn plan_numbers() {
        let mut g = grid(100);
        assert_eq!(g.columns(816.0), 4);
        assert_eq!(g.columns(815.0), 3);
        assert_eq!(g.columns(10.0), 1);
        assert_eq!(g.item_rect(5, 816.0), (204.0, 204.0, 200.0, 200.0));
        assert_eq!(g.content_height(816.0), 25.0 * 204.0);
        assert_eq!(g.visible_range(0.0, 816.0, 600.0), (0, 12));
        assert_eq!(g.visible_range(1e9, 816.0, 600.0), (100, 100));
    }

    #[test]
    fn empty_grid() {
        let mut g = grid(0);
        assert_eq!(g.visible_range(0.0, 800.0, 600.0), (0, 0));
        assert!(g.content_height(800.0).abs() < f64::EPSILON);
        assert_eq!(g.index_at(1.0, 1.0, 800.0), None);
    }

    #[test]
    fn exact_row_boundaries() {
        let mut g = grid(100);
        // row 0 ends at 200: a viewport starting there does not show it
        assert_eq!(g.visible_range(200.0, 816.0, 4.0), (4, 4));
        assert_eq!(g.visible_range(199.0, 816.0, 6.0), (0, 8));
    }

    #[test]
    fn sections_and_hit_testing() {
        let mut g = grid(10);
        g.set_sections(vec![3, 7], 30.0);
        // 4 columns: section 0 (3 items, 1 row), section 1 (4 items, 1 row), section 2 (3 items)
        assert_eq!(g.content_height(816.0), 3.0 * (30.0 + 204.0));
        assert_eq!(g.item_rect(3, 816.0), (0.0, 234.0 + 30.0, 200.0, 200.0));
        assert_eq!(g.index_at(1.0, 264.0, 816.0), Some(3));
        assert_eq!(g.index_at(1.0, 240.0, 816.0), None);
        assert_eq!(g.index_at(700.0, 40.0, 816.0), None); // column 3 of a 3-item section
        assert_eq!(g.visible_sections(0.0, 816.0, 240.0), (0, 2));
        assert_eq!(g.header_rect(1, 816.0), Some((0.0, 234.0, 816.0, 30.0)));
    }
}
