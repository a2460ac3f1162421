//! `VirtualAssetGrid`: the uniform grid math of [`crate::layout::grid`] for Python. Calls are
//! small (well under a microsecond) and keep the GIL.

use pyo3::prelude::*;

use crate::error::Error;
use crate::layout::grid::UniformGrid;
use crate::layout::{not_nan, section_starts};

/// `(x, y, w, h)` rounded down to whole pixels.
fn int_rect(r: (f64, f64, f64, f64)) -> (i64, i64, i64, i64) {
    (r.0 as i64, r.1 as i64, r.2 as i64, r.3 as i64)
}

/// Uniform grid layout math: see `albumen/_core.pyi`.
#[pyclass(name = "VirtualAssetGrid", module = "albumen._core")]
pub struct PyVirtualAssetGrid {
    grid: UniformGrid,
}

#[pymethods]
impl PyVirtualAssetGrid {
    #[new]
    #[pyo3(signature = (item_width=200, item_height=200, spacing=4))]
    fn new(item_width: i64, item_height: i64, spacing: i64) -> PyResult<Self> {
        Ok(Self {
            grid: UniformGrid::checked(item_width, item_height, spacing)?,
        })
    }

    #[getter]
    fn item_width(&self) -> i64 {
        self.grid.item_width() as i64
    }
    #[getter]
    fn item_height(&self) -> i64 {
        self.grid.item_height() as i64
    }
    #[getter]
    fn spacing(&self) -> i64 {
        self.grid.spacing() as i64
    }
    #[getter]
    fn total_count(&self) -> usize {
        self.grid.total_count()
    }
    #[getter]
    fn header_height(&self) -> i64 {
        self.grid.header_height() as i64
    }
    #[getter]
    fn section_starts(&self) -> Vec<usize> {
        self.grid.section_starts().to_vec()
    }
    #[getter]
    fn section_count(&self) -> usize {
        self.grid.section_starts().len()
    }

    fn set_total_count(&mut self, count: i64) {
        self.grid
            .set_total_count(usize::try_from(count).unwrap_or(0));
    }

    #[pyo3(signature = (starts, header_height=32))]
    fn set_sections(&mut self, starts: Vec<i64>, header_height: i64) -> PyResult<()> {
        if header_height < 0 {
            return Err(Error::invalid("header_height must be >= 0").into());
        }
        self.grid
            .set_sections(section_starts(starts)?, header_height as f64);
        Ok(())
    }

    fn columns(&self, viewport_width: f64) -> usize {
        self.grid.columns(viewport_width)
    }

    fn calculate_visible_range(
        &mut self,
        scroll_y: f64,
        viewport_width: f64,
        viewport_height: f64,
    ) -> PyResult<(usize, usize)> {
        not_nan("scroll_y", scroll_y)?;
        not_nan("viewport_height", viewport_height)?;
        Ok(self
            .grid
            .visible_range(scroll_y, viewport_width, viewport_height))
    }

    fn content_height(&mut self, viewport_width: f64) -> i64 {
        self.grid.content_height(viewport_width) as i64
    }

    fn item_rect(&mut self, index: i64, viewport_width: f64) -> PyResult<(i64, i64, i64, i64)> {
        let index = usize::try_from(index)
            .map_err(|_| Error::IndexOutOfRange("item index must be non-negative"))?;
        Ok(int_rect(self.grid.item_rect(index, viewport_width)))
    }

    fn index_at(&mut self, x: f64, y: f64, viewport_width: f64) -> Option<usize> {
        self.grid.index_at(x, y, viewport_width)
    }

    fn section_of(&self, index: usize) -> usize {
        self.grid.section_of(index)
    }

    fn header_rect(
        &mut self,
        section: usize,
        viewport_width: f64,
    ) -> PyResult<(i64, i64, i64, i64)> {
        self.grid
            .header_rect(section, viewport_width)
            .map(int_rect)
            .ok_or_else(|| Error::IndexOutOfRange("section index out of range").into())
    }

    fn visible_sections(
        &mut self,
        scroll_y: f64,
        viewport_width: f64,
        viewport_height: f64,
    ) -> PyResult<(usize, usize)> {
        not_nan("scroll_y", scroll_y)?;
        not_nan("viewport_height", viewport_height)?;
        Ok(self
            .grid
            .visible_sections(scroll_y, viewport_width, viewport_height))
    }

    fn __repr__(&self) -> String {
        format!(
            "VirtualAssetGrid(item_width={}, item_height={}, spacing={}, total_count={})",
            self.grid.item_width(),
            self.grid.item_height(),
            self.grid.spacing(),
            self.grid.total_count()
        )
    }
}
