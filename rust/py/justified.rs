//! `JustifiedLayout`: the justified layout of [`crate::layout::justified`] for Python. Building
//! or relaying out releases the GIL; lookups are small and keep it.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMemoryView};

use crate::error::Error;
use crate::layout::justified::{normalize_ratio, JustifiedLayout, Params};
use crate::layout::{self, not_nan};

type Rect = (f64, f64, f64, f64);

/// Copy aspect ratios out of an object supporting the buffer protocol with f64 or f32 items
/// (`array.array('d' | 'f')`, a numpy array) or out of any sequence of numbers, normalising each
/// (see `normalize_ratio`). The abi3-py310 limited API has no direct buffer access,
/// so buffers are read through `memoryview(obj).tobytes()`: one copy, about 1 ms per million.
fn extract_ratios(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    if let Ok(view) = PyMemoryView::from(obj) {
        let format: String = view.getattr("format")?.extract()?;
        let native = format.trim_start_matches(['@', '=']);
        let native = if cfg!(target_endian = "little") {
            native.trim_start_matches('<')
        } else {
            native
        };
        if native == "d" || native == "f" {
            let data = view.call_method0("tobytes")?.cast_into::<PyBytes>()?;
            let bytes = data.as_bytes();
            return Ok(py.detach(|| {
                if native == "d" {
                    bytes
                        .chunks_exact(8)
                        .map(|c| {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(c);
                            normalize_ratio(f64::from_ne_bytes(a))
                        })
                        .collect()
                } else {
                    bytes
                        .chunks_exact(4)
                        .map(|c| {
                            let mut a = [0u8; 4];
                            a.copy_from_slice(c);
                            normalize_ratio(f64::from(f32::from_ne_bytes(a)))
                        })
                        .collect()
                }
            }));
        }
    }
    let v: Vec<f64> = obj.extract()?;
    Ok(v.into_iter().map(normalize_ratio).collect())
}

/// Justified layout: see `albumen/_core.pyi`.
#[pyclass(name = "JustifiedLayout", module = "albumen._core")]
pub struct PyJustifiedLayout {
    layout: JustifiedLayout,
}

#[pymethods]
impl PyJustifiedLayout {
    #[new]
    #[pyo3(signature = (
        aspect_ratios, viewport_width, *, target_row_height=200.0, spacing=4.0,
        section_starts=Vec::new(), header_height=32.0
    ))]
    fn new(
        py: Python<'_>,
        aspect_ratios: &Bound<'_, PyAny>,
        viewport_width: f64,
        target_row_height: f64,
        spacing: f64,
        section_starts: Vec<i64>,
        header_height: f64,
    ) -> PyResult<Self> {
        let params = Params {
            width: viewport_width,
            target_height: target_row_height,
            spacing,
            header_height,
        };
        params.check()?;
        let ratios = extract_ratios(py, aspect_ratios)?;
        if u32::try_from(ratios.len()).is_err() {
            return Err(Error::invalid("too many items for one layout").into());
        }
        let sections = layout::section_starts(section_starts)?;
        let layout = py.detach(|| JustifiedLayout::new(ratios, sections, params));
        Ok(Self { layout })
    }

    #[getter]
    fn total_count(&self) -> usize {
        self.layout.len()
    }
    #[getter]
    fn viewport_width(&self) -> f64 {
        self.layout.params().width
    }
    #[getter]
    fn target_row_height(&self) -> f64 {
        self.layout.params().target_height
    }
    #[getter]
    fn spacing(&self) -> f64 {
        self.layout.params().spacing
    }
    #[getter]
    fn header_height(&self) -> f64 {
        self.layout.params().header_height
    }
    #[getter]
    fn row_count(&self) -> usize {
        self.layout.row_count()
    }
    #[getter]
    fn section_count(&self) -> usize {
        self.layout.section_count()
    }
    #[getter]
    fn section_starts(&self) -> Vec<usize> {
        self.layout.section_starts().to_vec()
    }

    fn set_viewport_width(&mut self, py: Python<'_>, viewport_width: f64) -> PyResult<bool> {
        Params {
            width: viewport_width,
            ..self.layout.params()
        }
        .check()?;
        let layout = &mut self.layout;
        Ok(py.detach(|| layout.set_width(viewport_width)))
    }

    #[pyo3(signature = (*, target_row_height=None, spacing=None, header_height=None))]
    fn set_geometry(
        &mut self,
        py: Python<'_>,
        target_row_height: Option<f64>,
        spacing: Option<f64>,
        header_height: Option<f64>,
    ) -> PyResult<()> {
        let old = self.layout.params();
        let new = Params {
            target_height: target_row_height.unwrap_or(old.target_height),
            spacing: spacing.unwrap_or(old.spacing),
            header_height: header_height.unwrap_or(old.header_height),
            ..old
        };
        new.check()?;
        let layout = &mut self.layout;
        py.detach(|| layout.set_geometry(new.target_height, new.spacing, new.header_height));
        Ok(())
    }

    #[pyo3(signature = (starts, header_height=32.0))]
    fn set_sections(
        &mut self,
        py: Python<'_>,
        starts: Vec<i64>,
        header_height: f64,
    ) -> PyResult<()> {
        Params {
            header_height,
            ..self.layout.params()
        }
        .check()?;
        let starts = layout::section_starts(starts)?;
        let layout = &mut self.layout;
        py.detach(|| layout.set_sections(starts, header_height));
        Ok(())
    }

    fn content_height(&self) -> f64 {
        self.layout.content_height()
    }

    fn calculate_visible_range(
        &self,
        scroll_y: f64,
        viewport_height: f64,
    ) -> PyResult<(usize, usize)> {
        not_nan("scroll_y", scroll_y)?;
        not_nan("viewport_height", viewport_height)?;
        Ok(self.layout.visible_range(scroll_y, viewport_height))
    }

    fn item_rect(&self, index: i64) -> PyResult<Rect> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.layout.item_rect(i))
            .ok_or_else(|| Error::IndexOutOfRange("item index out of range").into())
    }

    fn index_at(&self, x: f64, y: f64) -> Option<usize> {
        self.layout.index_at(x, y)
    }

    fn row_of(&self, index: usize) -> PyResult<usize> {
        if index >= self.layout.len() {
            return Err(Error::IndexOutOfRange("item index out of range").into());
        }
        Ok(self.layout.row_of(index))
    }

    fn section_of(&self, index: usize) -> PyResult<usize> {
        if index >= self.layout.len() {
            return Err(Error::IndexOutOfRange("item index out of range").into());
        }
        Ok(self.layout.section_of(index))
    }

    fn header_rect(&self, section: usize) -> PyResult<Rect> {
        self.layout
            .header_rect(section)
            .ok_or_else(|| Error::IndexOutOfRange("section index out of range").into())
    }

    fn visible_sections(&self, scroll_y: f64, viewport_height: f64) -> PyResult<(usize, usize)> {
        not_nan("scroll_y", scroll_y)?;
        not_nan("viewport_height", viewport_height)?;
        Ok(self.layout.visible_sections(scroll_y, viewport_height))
    }

    fn __len__(&self) -> usize {
        self.layout.len()
    }

    fn __repr__(&self) -> String {
        let p = self.layout.params();
        format!(
            "JustifiedLayout(total_count={}, viewport_width={}, target_row_height={}, rows={})",
            self.layout.len(),
            p.width,
            p.target_height,
            self.layout.row_count()
        )
    }
}
